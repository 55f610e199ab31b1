"""Chat platforms at the edge: each turns the core's platform-neutral messages and actions into its own calls.

`channels.telegram` encodes offered actions as inline buttons (sending) and decodes a pressed button back
into the same `domain.actions.Action` (receiving). Another platform adds one module here (its encoder) and
one transport; the planner, the outbox and the acts stay as they are.
"""
