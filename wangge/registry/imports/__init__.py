"""Importing the registry from Excel and CSV files: see engine.py for the flow."""
