"""The web app's parts. Plain Python, tested in ``tests/test_app.py`` without a browser:
HTML/Markdown rendering, talking points, grades. Gradio wiring, one module per tab
(``ask_tab``, ``points_tab``, ``evaluate_tab``, ``report_tab``), each with a ``layout``
that makes its components and a ``wire`` that attaches their events; ``app.py`` puts
the tabs together.
"""
