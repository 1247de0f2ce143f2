"""Importing and exporting the federations' spreadsheet ledgers (台账).

``files`` turns an upload into a grid of cells behind the file guards, ``headers`` finds the
header row and maps header names to fields, ``values`` parses the spellings staff type,
``resources`` is the shared import engine every ledger's resource builds on, ``formats``
plugs the reader and the safe writer into django-import-export, ``workbook`` writes exports
and blank templates.
"""
