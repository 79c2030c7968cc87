"""The app's Streamlit side, beside app.py (the ``weightviz`` package never imports Streamlit).

One module per concern: ``state`` (every session key), ``nav`` (entry and deep links), ``runs`` (a run
and a run group: configuration, dataset, trainer; no Streamlit), ``controls`` (widgets → configuration
fields), ``actions`` (button callbacks and messages), ``files`` (downloads and uploads), ``sections``
(the blocks pages share), ``home`` (the Home page's small state), ``text`` (user text shown as written).
Pages import the modules they need: ``from ui import actions, controls, runs``.
"""
