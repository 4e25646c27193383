"""``wirebook validate``: check real messages (fixtures, captured traffic) against a protocol.

``parse`` reads strict JSON, ``sources`` finds the schemas, ``engine`` validates, ``reader``
streams the inputs, ``run`` spreads the work over processes, ``report`` writes the results and
``command`` is the command line.
"""
