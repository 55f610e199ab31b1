"""The application's acts: what a person or the product does, one module per act or small family.

Each act takes `(session, now, …)`, asks the one permission policy (`domain.access`) about the units it
touches, changes data through `storage/` and leaves committing to the caller's `session_scope`. Handlers,
jobs and the command line call acts; no act knows a chat platform.
"""
