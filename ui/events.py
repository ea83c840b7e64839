"""How the tabs register their events (shared by every ``*_tab.py``)."""

# The page's own events: not on the API page, and not callable by the Gradio client libraries.
PRIVATE = {"api_visibility": "private"}
# Everything that computes an answer (Ask, talking points, both API endpoints) waits in one
# pool, so answers never run more at once than the queue's default limit (one per core).
ANSWER_QUEUE = {"concurrency_id": "answer", "concurrency_limit": "default"}
