"""Grows local-path volumes: what an external resizer does for a directory-backed volume.

A claim of a class that allows expansion, bound to a volume of our
provisioner, that asks for more than its volume has: the volume's capacity
and then the claim's status are set to the new size. A directory has no size
to grow, so no file system step is needed, and the pod sees the change at once.
Runs as its own identity (`volume-resizer`), started by devcluster.storage.
"""

from __future__ import annotations

import argparse
import logging
import time
from typing import Any

from kubernetes import client, config, watch

from jupyter_nbctl.models.quantity import parse_quantity

log = logging.getLogger("volume-resizer")


def _grow(core: client.CoreV1Api, storage: client.StorageV1Api, provisioner: str, pvc: Any) -> None:
    if pvc.status is None or pvc.status.phase != "Bound" or not pvc.spec.volume_name:
        return
    wanted = (pvc.spec.resources.requests or {}).get("storage")
    have = (pvc.status.capacity or {}).get("storage")
    if wanted is None or have is None or parse_quantity(wanted) <= parse_quantity(have):
        return
    cls = storage.read_storage_class(pvc.spec.storage_class_name) if pvc.spec.storage_class_name else None
    if cls is None or cls.provisioner != provisioner or not cls.allow_volume_expansion:
        return
    core.patch_persistent_volume(pvc.spec.volume_name, {"spec": {"capacity": {"storage": wanted}}})
    core.patch_namespaced_persistent_volume_claim_status(
        pvc.metadata.name,
        pvc.metadata.namespace,
        {"status": {"capacity": {"storage": wanted}, "allocatedResources": {"storage": wanted}}},
    )
    log.info("grew %s/%s from %s to %s", pvc.metadata.namespace, pvc.metadata.name, have, wanted)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--kubeconfig", required=True)
    parser.add_argument("--provisioner", required=True)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    config.load_kube_config(args.kubeconfig)
    core, storage = client.CoreV1Api(), client.StorageV1Api()
    while True:
        try:
            listed = core.list_persistent_volume_claim_for_all_namespaces()
            for pvc in listed.items:
                _grow(core, storage, args.provisioner, pvc)
            stream = watch.Watch().stream(
                core.list_persistent_volume_claim_for_all_namespaces,
                resource_version=listed.metadata.resource_version,
                timeout_seconds=300,
            )
            for event in stream:
                if event["type"] in ("ADDED", "MODIFIED"):
                    _grow(core, storage, args.provisioner, event["object"])
        except Exception as err:  # the API server restarting, a watch expiring: list again
            log.warning("watch ended: %s", err)
            time.sleep(1)


if __name__ == "__main__":
    main()
