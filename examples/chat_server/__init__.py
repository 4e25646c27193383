"""A FastAPI WebSocket chat server built on the generated `chat_protocol` package.

Run it with `make demo`, or `python -m chat_server --help` with `generated/python` and
`examples` on PYTHONPATH.
"""
