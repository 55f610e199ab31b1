"""The application's acts: what a person or the product does, one module per act or small family.

An act a person does takes `(session, now, actor, …)`: the acting person already resolved by the entrance
(a handler, a channel, the command line: `storage.queries.actor_for` once per message, button or call, or
`storage.queries.OPERATOR` at the command line), then the `judge` where it judges items, then its words.
It asks the one permission policy (`domain.access.permits`, `administers`, `takes_part`) about the units it
touches, changes data through `storage/` and leaves committing to the caller's `session_scope`. No act
knows a chat platform or the configured administrators' ids. What the product does by itself (an import,
the bot leaving a group) takes `(session, now, …)` without an actor.
"""
