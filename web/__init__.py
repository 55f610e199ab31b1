"""The small web page behind the group robots' one-tap links (see web/app.py)."""
