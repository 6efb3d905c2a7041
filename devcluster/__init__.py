"""A local Kubernetes control plane for jupyter-nbctl's tests and demo.

`build.sh` builds the binaries from Go modules into ~/.cache/jupyter-nbctl;
`cluster.Cluster` runs them. Not part of the installed package.
"""
