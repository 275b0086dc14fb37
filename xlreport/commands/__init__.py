"""Sub-commands of the ``xlreport`` CLI, one module each (see ``xlreport.cli``)."""
