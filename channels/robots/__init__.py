"""Group robots (DingTalk 自定义机器人, WeCom 群机器人, Feishu 自定义机器人): transports behind the send seam.

A custom group robot only sends: a webhook URL (and, for DingTalk and Feishu, a signing secret) posts a
message into one group. Each platform module is pure (`request`: the signed URL and JSON body for a
message at a given `now`; `verdict`: the platform's answer as success or a classified `TransportError`);
the one I/O part is `channels.robots.transport.RobotTransport` over httpx. Offers are drawn as links,
built by a function the caller gives (issue 15's signed web links); robots cannot hear a tapped button.
Not wired into the sender, the CLI or the database yet; see docs/CHANNELS.md.
"""
