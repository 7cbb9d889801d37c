"""The match search: the places that fit a candidate, and the candidates that fit a place.

One module per concern; this package file imports none of them, so each imports on its
own (the places service and the migrations import :mod:`codec` without the rest):

- :mod:`codec`: the match code and the conflict and network bits a place stores (pure);
- :mod:`geometry`: the vectorised geodesic, the search disk's box and its index strips;
- :mod:`snapshot`: the open places' search columns in memory, kept current by the
  database's search generation (:mod:`snapshot_rows` the arrays, :mod:`snapshot_select`
  the prefilter's conditions as numpy masks);
- :mod:`sql`: the prefilter statement (when the copy cannot be used) and the few other
  reads; :mod:`dialect`: the databases' ways with parameters and rows;
- :mod:`scoring`: the per-capacity score tables and the vectorised scoring of rows;
- :mod:`rings`: the expanding disks that stop a large search early, provably;
- :mod:`engine`: ranking, the shortlist and its explanations (``search_places``,
  ``search_page``);
- :mod:`usecases`: the coach's candidate search and the reverse search.

The brute-force reference the engine is checked against lives outside the application,
in ``bench/reference.py`` (used by the tests and the benchmark only).
"""
