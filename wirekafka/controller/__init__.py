"""The controller: validates cluster changes and turns them into metadata records (sans-IO core,
``controller.py`` and the ``*_control.py`` modules), plus the trio runtime of a single node
(``local_runtime.py``) that commits those records to the local metadata log."""
