"""``wirebook breaking``: judge a new version of a protocol against an old one, per direction.

``versions`` reads the two versions into one JSON Schema per message, ``compare`` walks two
schemas of one message from the receiver's side, ``judge`` pairs the messages, locates and
acknowledges what was found, ``report`` writes it. ``rules`` is the table of rule IDs, cheap to
import (the definitions checker reads it to check acknowledgements).
"""
