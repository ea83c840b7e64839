"""Keep questions out of the server's log, and answer a malformed API call with a message.

Gradio prints the traceback of any failed event to stderr, and its messages quote the
inputs: a call to ``/ask`` with one value of the three (``{"data": ["<question>"]}``)
printed the whole question (a 10 MB question grew the log by 10.8 MB) and answered
``{"error": null}``. ``quiet_blocks`` gives a ``gr.Blocks`` that answers a short call
with the arguments it takes, and on any failure prints only the function, the error's
type and the line it came from, unless questions may be logged (RAG_LOG_QUESTIONS=1).
"""
from __future__ import annotations

import inspect
import json
import sys
import traceback

FAILED = "Something went wrong while answering; please try again."


def call_shape(fn) -> tuple[list[str], str]:
    """The argument names of ``fn`` and an example ``data`` list (defaults as JSON).

    >>> def ask(question: str, history: list | None = None, detail: bool = False): ...
    >>> call_shape(ask)
    (['question', 'history', 'detail'], '["<question>", null, false]')
    """
    try:
        params = [p for p in inspect.signature(fn).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        return [], "[]"
    example = [f"<{p.name}>" if p.default is p.empty else p.default for p in params]
    try:
        shown = json.dumps(example)
    except TypeError:
        shown = "[" + ", ".join(f'"<{p.name}>"' for p in params) + "]"
    return [p.name for p in params], shown


def missing_args_message(api_name: str | None, fn, needed: int, got: int) -> str:
    """What a call with too few values is told; never its values."""
    names, example = call_shape(fn)
    where = f"/{api_name}" if api_name else getattr(fn, "__name__", "this event")
    takes = f": {', '.join(names)}" if len(names) == needed else ""
    return (f"{where} takes {needed} values in \"data\"{takes}; got {got}. "
            f"Send all of them, e.g. {{\"data\": {example}}}.")


def redacted(fn_name: str, err: BaseException) -> str:
    """One log line for a failure: where and what type, without the message (it may quote inputs)."""
    frames = traceback.extract_tb(err.__traceback__)
    at = f" at {frames[-1].filename.rsplit('/', 1)[-1]}:{frames[-1].lineno}" if frames else ""
    return (f"app.py: {fn_name} failed: {type(err).__name__}{at} (details hidden, as they may quote the "
            f"question; set RAG_LOG_QUESTIONS=1 to print them)")


def quiet_blocks(gr, verbose: bool = False) -> type:
    """A ``gr.Blocks`` subclass that answers short calls clearly and logs no inputs unless ``verbose``."""

    class QuietBlocks(gr.Blocks):
        def validate_inputs(self, block_fn, inputs):
            needed = len(block_fn.inputs)
            if len(inputs) < needed:
                raise gr.Error(missing_args_message(block_fn.api_name, block_fn.fn, needed, len(inputs)),
                               print_exception=verbose)

        async def process_api(self, block_fn, *args, **kwargs):
            try:
                return await super().process_api(block_fn, *args, **kwargs)
            except gr.Error as e:  # its message goes to the caller, not the log
                e.print_exception = verbose
                raise
            except Exception as e:
                if verbose:
                    raise
                fn = self.fns[block_fn] if isinstance(block_fn, int) else block_fn
                print(redacted(getattr(fn, "name", None) or "an event", e), file=sys.stderr, flush=True)
                raise gr.Error(FAILED, print_exception=False) from None

    return QuietBlocks
