"""What the bot answers people, in words: platform-neutral, so every chat platform's entrance (Telegram's
handlers today; issue 15's group robots and web page) puts the acts' results into the same sentences.

`format.py`: acts' and queries' results in, a `Reply` out (text, the actions offered under it, a long list's
table). `menu.py`: the commands, for a platform's command menu and for /help. Above the acts (it reads their
result types), below every entrance; imports no chat platform.
"""
