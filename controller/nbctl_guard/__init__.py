"""The notebook's guard: beside Jupyter in each notebook pod, it lets through only the owner.

`tickets` (standard library) is shared with the extension and the controller; `proxy` (aiohttp) runs
in the pod. Neither imports kopf, the Kubernetes client, Jupyter Server or the models.
"""
