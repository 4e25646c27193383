"""`python -m chat_server`: serve the chat demo with uvicorn (see `--help`)."""

from __future__ import annotations

import argparse
import socket

import uvicorn

from chat_server.app import Settings, create_app


def main(argv: list[str] | None = None) -> None:
    defaults = Settings()
    parser = argparse.ArgumentParser(prog="python -m chat_server", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--fd", type=int, help="serve on this listening socket instead (for tests)")
    parser.add_argument(
        "--rooms", default=",".join(defaults.rooms), help="comma-separated room ids"
    )
    parser.add_argument("--max-message-bytes", type=int, default=defaults.max_message_bytes)
    parser.add_argument(
        "--send-queue",
        type=int,
        default=defaults.send_queue,
        help="messages that may wait for one client before it is disconnected",
    )
    parser.add_argument("--log-level", default="info")
    args = parser.parse_args(argv)
    settings = Settings(
        rooms=tuple(room for room in args.rooms.split(",") if room),
        max_message_bytes=args.max_message_bytes,
        send_queue=args.send_queue,
    )
    config = uvicorn.Config(
        create_app(settings),
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        ws="websockets-sansio",
        ws_max_size=settings.frame_limit,
        # Chat messages are small: compressing each one costs more CPU than it saves bytes.
        ws_per_message_deflate=False,
    )
    sockets = None if args.fd is None else [socket.socket(fileno=args.fd)]
    if sockets is None:
        url = f"ws://{args.host}:{args.port}/ws"
        print(f"Chat server on {url}; rooms: {', '.join(settings.rooms)}")
        print(f"Connect with: python -m websockets {url}", flush=True)
    uvicorn.Server(config).run(sockets=sockets)


if __name__ == "__main__":
    main()
