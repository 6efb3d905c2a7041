"""Kubernetes API clients for one identity of a local cluster."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from kubernetes import client, config
from kubernetes.dynamic import DynamicClient


@dataclass
class Kube:
    """The typed APIs of the official client, for one user's kubeconfig."""

    user: str
    kubeconfig: Path

    @cached_property
    def api(self) -> client.ApiClient:
        return config.new_client_from_config(config_file=str(self.kubeconfig))

    @cached_property
    def core(self) -> client.CoreV1Api:
        return client.CoreV1Api(self.api)

    @cached_property
    def apps(self) -> client.AppsV1Api:
        return client.AppsV1Api(self.api)

    @cached_property
    def rbac(self) -> client.RbacAuthorizationV1Api:
        return client.RbacAuthorizationV1Api(self.api)

    @cached_property
    def custom(self) -> client.CustomObjectsApi:
        return client.CustomObjectsApi(self.api)

    @cached_property
    def dynamic(self) -> DynamicClient:
        return DynamicClient(self.api)

    def close(self) -> None:
        if "api" in self.__dict__:
            self.api.close()
