"""The jupyter-nbctl controller: a kopf operator that makes each Notebook real.

Reads top to bottom like the design: resolve the Template → ensure its
revision → render the pod → apply the children → write the status. The
builders (`merge`, `revisions`, `render`, `status`) are pure; `kube`,
`informers` and `reconcile` do the I/O; `operator` wires kopf to them.
This package never imports Jupyter Server.
"""
