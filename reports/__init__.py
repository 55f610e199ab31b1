"""Every file Zhiri writes for people: the export, the half-month report, long lists as attachments."""
