# Every target bootstraps .venv from nothing (python3 -m venv + pip install -e '.[dev]').
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
READY := $(VENV)/.ready
AJV := tests/ajv/node_modules/.ready
HANDLERS := examples/chat_server/handlers.py

.PHONY: generate test check lint bench clean

# pip builds the C part of the validate fast path (generator/wirebook/validate/_sift.c) in place
$(READY): pyproject.toml generator/wirebook/validate/_sift.c
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

# Ajv and ajv-formats, for checking the published schemas the way JavaScript teams will.
$(AJV): tests/ajv/package.json tests/ajv/package-lock.json
	npm ci --prefix tests/ajv --no-audit --no-fund --silent
	touch $@

generate: $(READY)
	$(BIN)/wirebook generate --handlers $(HANDLERS)

test: $(READY) $(AJV)
	$(BIN)/pytest

# Then the definitions against where this branch left the main branch (origin/main, else main);
# on main itself, against the commit before (a deliberate break there carries its
# acknowledgement, so a fresh clone passes); with no main branch or no commit before, say so.
check: $(READY)
	$(BIN)/wirebook check
	@base=$$(git merge-base HEAD origin/main 2>/dev/null || git merge-base HEAD main 2>/dev/null); \
	if [ -z "$$base" ]; then \
		echo "breaking: skipped (no main or origin/main branch, or a shallow clone without their common history)"; \
	elif [ "$$base" != "$$(git rev-parse HEAD)" ]; then \
		echo "breaking: against the merge base with main, $$(git rev-parse --short $$base)"; \
		$(BIN)/wirebook breaking --against $$base; \
	elif git rev-parse --verify --quiet HEAD~1 >/dev/null; then \
		echo "breaking: on main, against the commit before (HEAD~1)"; \
		$(BIN)/wirebook breaking --against HEAD~1; \
	else \
		echo "breaking: skipped (no commit before HEAD here: the first commit, or a shallow clone)"; \
	fi

lint: $(READY)
	$(BIN)/ruff check generator tests examples
	$(BIN)/ruff format --check generator tests examples
	$(BIN)/mypy

bench: $(READY)
	$(BIN)/python tests/bench/run.py

clean:
	rm -rf $(VENV) tests/ajv/node_modules .pytest_cache .mypy_cache .ruff_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
	find generator -name '*.so' -delete

# The chat server demo on the example protocol (examples/chat_server); Ctrl-C stops it.
.PHONY: demo
demo: $(READY)
	@echo 'Once connected, type a message, e.g. {"type": "join_room", "ref": "1", "payload": {"room_id": "general"}}'
	PYTHONPATH=generated/python:examples $(BIN)/python -m chat_server --host 127.0.0.1 --port 8000
