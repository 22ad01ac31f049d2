"""The web app: a thin Gradio layer over the services built by :mod:`assistant.app`.

``coach web`` (see :mod:`assistant.web.commands`) builds the services, the UI (:mod:`assistant.web.ui`, one
module per tab) and serves it on FastAPI (:mod:`assistant.web.server`). Nothing here runs at import.
"""
