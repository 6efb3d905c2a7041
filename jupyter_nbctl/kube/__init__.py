"""A small client layer shared by the controller and the extension.

`rest` speaks to the API server through the official client's connection,
with dicts in and out; `informer` keeps a list+watch cache of one kind with a
server-side label selector. Neither imports kopf nor Jupyter Server.
"""
