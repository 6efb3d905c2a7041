"""Kubeflow's own Notebook manifests become Templates and Notebooks, with a report."""

from __future__ import annotations

import subprocess
import sys

import yaml

from jupyter_nbctl.migrate import convert

# The shape Kubeflow documents for a kubeflow.org/v1 Notebook (what its web app creates).
KUBEFLOW = """
apiVersion: kubeflow.org/v1
kind: Notebook
metadata:
  name: my-notebook
  namespace: kubeflow-user-example-com
  labels: {app: my-notebook, access-ml-pipeline: "true"}
  annotations:
    notebooks.kubeflow.org/creator: user@example.com
    notebooks.kubeflow.org/http-rewrite-uri: /
spec:
  template:
    spec:
      serviceAccountName: default-editor
      containers:
      - name: my-notebook
        image: kubeflownotebookswg/jupyter-scipy:v1.9.0
        imagePullPolicy: IfNotPresent
        resources:
          requests: {cpu: "0.5", memory: 1Gi}
          limits: {cpu: "1", memory: 2Gi, nvidia.com/gpu: "1"}
        volumeMounts:
        - {name: workspace, mountPath: /home/jovyan}
        - {name: dshm, mountPath: /dev/shm}
        - {name: datasets, mountPath: /data, readOnly: true}
      volumes:
      - name: workspace
        persistentVolumeClaim: {claimName: my-notebook-workspace}
      - name: datasets
        persistentVolumeClaim: {claimName: team-datasets, readOnly: true}
      - name: dshm
        emptyDir: {medium: Memory}
---
apiVersion: kubeflow.org/v1
kind: Notebook
metadata:
  name: Old_Notebook
  namespace: team
  annotations: {kubeflow-resource-stopped: "2024-01-01T00:00:00Z"}
spec:
  template:
    spec:
      containers:
      - name: nb
        image: kubeflownotebookswg/codeserver-python:v1.9.0
"""


def test_a_kubeflow_notebook_becomes_a_template_and_a_notebook() -> None:
    first = yaml.safe_load_all(KUBEFLOW).__next__()

    migration = convert(first)

    template, notebook = migration.objects
    assert template["metadata"] == {
        "name": "kf-my-notebook",
        "namespace": "kubeflow-user-example-com",
        "labels": {"jackhoman.dev/migrated-from": "kubeflow"},
    }
    spec = template["spec"]["template"]["spec"]
    assert spec["containers"][0]["image"] == "kubeflownotebookswg/jupyter-scipy:v1.9.0"
    assert "resources" not in spec["containers"][0]
    # The user's claims are the notebook's, not the template's: no one else's notebook mounts them
    assert spec["volumes"] == [{"name": "dshm", "emptyDir": {"medium": "Memory"}}]
    assert spec["containers"][0]["volumeMounts"] == [{"name": "dshm", "mountPath": "/dev/shm"}]
    assert template["spec"]["workspace"] == {"mountPath": "/home/jovyan"}
    assert template["spec"]["resources"] == {
        "cpu": {"default": "0.5", "max": "1"},
        "memory": {"default": "1Gi", "max": "2Gi"},
        "gpu": {"default": 1, "max": 1, "resourceName": "nvidia.com/gpu"},
    }
    # It serves its own namespace only, and the notebook keeps its Kubeflow creator as its owner
    assert template["spec"]["namespaceSelector"] == {
        "matchLabels": {"kubernetes.io/metadata.name": "kubeflow-user-example-com"}
    }
    assert spec["serviceAccountName"] == "default-editor"  # the namespace's, shared by all its users
    assert notebook["spec"] == {
        "templateRef": {"name": "kf-my-notebook"},
        "owner": "user@example.com",
        "resources": {"cpu": "0.5", "memory": "1Gi", "gpu": 1},
        "stopped": False,
        "updatePolicy": "Manual",
        "workspace": {"existingClaim": "my-notebook-workspace"},
        "dataVolumes": [{"claimName": "team-datasets", "mountPath": "/data", "readOnly": True}],
    }
    report = "\n".join(migration.notes)
    assert "cpu: requests 0.5 and limits 1 differ" in report
    assert "notebooks.kubeflow.org/http-rewrite-uri is not carried" in report
    assert "access-ml-pipeline" in report and "PodDefaults" in report
    assert "workspace my-notebook-workspace is reattached as it is (never written or deleted)" in report
    assert "PVC team-datasets mounts at /data as a data volume" in report


def test_a_stopped_notebook_with_a_bad_name_is_renamed_and_stays_stopped() -> None:
    second = list(yaml.safe_load_all(KUBEFLOW))[1]

    migration = convert(second, owners={"team": "carol"})

    notebook = migration.objects[1]
    assert notebook["metadata"]["name"] == "old-notebook"
    assert notebook["spec"]["stopped"] is True
    assert any("renamed to old-notebook" in note for note in migration.notes)
    # It had no workspace: it stays scratch only, as it was
    assert migration.objects[0]["spec"]["workspace"] == {"enabled": False}
    assert any("no workspace" in note for note in migration.notes)


def test_the_command_is_a_dry_run_that_prints_yaml_and_a_report(tmp_path) -> None:
    source = tmp_path / "kubeflow.yaml"
    source.write_text(KUBEFLOW)

    run = subprocess.run(
        [sys.executable, "-m", "jupyter_nbctl.migrate", "migrate", str(source), "--owner", "team=carol"],
        capture_output=True,
        text=True,
        check=True,
    )

    kinds = [doc["kind"] for doc in yaml.safe_load_all(run.stdout)]
    assert kinds == ["Template", "Notebook", "Template", "Notebook"]
    assert "# 2 Kubeflow notebooks, 4 objects" in run.stderr
    assert "# kubeflow-user-example-com/my-notebook: migrated" in run.stderr


PROFILE_AND_NOTEBOOK = """
apiVersion: kubeflow.org/v1
kind: Profile
metadata: {name: team}
spec:
  owner: {kind: User, name: dana@example.com}
---
apiVersion: kubeflow.org/v1
kind: Notebook
metadata: {name: lab, namespace: team}
spec:
  template:
    spec:
      serviceAccountName: dana-pipelines
      containers:
      - {name: lab, image: kubeflownotebookswg/jupyter-scipy:v1.9.0}
"""


def _migrate(tmp_path, text: str, *args: str) -> subprocess.CompletedProcess[str]:
    source = tmp_path / "kubeflow.yaml"
    source.write_text(text)
    return subprocess.run(
        [sys.executable, "-m", "jupyter_nbctl.migrate", "migrate", str(source), *args],
        capture_output=True,
        text=True,
        check=True,
    )


def test_a_notebook_whose_owner_is_unknown_is_not_migrated(tmp_path) -> None:
    # Not made the property of whoever runs the migration
    run = _migrate(tmp_path, KUBEFLOW)

    assert "# team/Old_Notebook: NOT migrated" in run.stderr
    assert "owner unknown" in run.stderr and "--owner team=USER" in run.stderr
    owners = [d["spec"]["owner"] for d in yaml.safe_load_all(run.stdout) if d["kind"] == "Notebook"]
    assert owners == ["user@example.com"]


def test_the_profile_names_the_owner_and_a_personal_identity_stays_behind(tmp_path) -> None:
    run = _migrate(tmp_path, PROFILE_AND_NOTEBOOK)

    template, notebook = list(yaml.safe_load_all(run.stdout))
    assert notebook["spec"]["owner"] == "dana@example.com"
    assert "serviceAccountName" not in template["spec"]["template"]["spec"]
    assert "serviceAccountName dana-pipelines is not carried" in run.stderr

    # The operator's word comes first
    run = _migrate(tmp_path, PROFILE_AND_NOTEBOOK, "--owner", "erin")
    assert list(yaml.safe_load_all(run.stdout))[1]["spec"]["owner"] == "erin"


def test_the_api_server_accepts_what_the_migration_makes(cluster, namespace: str) -> None:
    objects = [o for doc in yaml.safe_load_all(KUBEFLOW) for o in convert(doc, owners={"": "carol"}).objects]
    for obj in objects:
        obj["metadata"]["namespace"] = namespace
        if obj["kind"] == "Template":
            obj["spec"]["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"] = namespace
    out = cluster.kubectl("create", "--dry-run=server", "-f", "-", input=yaml.safe_dump_all(objects))
    assert out.stdout.count("created (server dry run)") == 4
