"""The web app's pure parts: HTML/Markdown rendering, talking points, grades.

``app.py`` wires these to Gradio; everything here is plain Python and tested
in ``tests/test_app.py`` without a browser.
"""
