"""The spreadsheet reader: responsibility lists and ledgers as offices keep them (XLSX or CSV), into rows.

An input adapter beside the website reader (`webread/`): pure reading, no database, no chat.
"""
