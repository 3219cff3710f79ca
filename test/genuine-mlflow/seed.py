"""Seeds a genuine MLflow server through the genuine MLflow Python client (the one in the same
vendored tarball as the server), and reports what that client sees, for test/genuine-mlflow.

usage (PYTHONPATH=<DATA_DIR>/src:<DATA_DIR>/stubs, /usr/bin/python3):
  seed.py seed    URI OUT.json   registry, runs, datasets, prompts (+ MLflow 3: LoggedModels, webhooks)
  seed.py promote URI OUT.json   one promotion to Production (stage) and one production alias move
  seed.py auth    URI OUT.json   basic-auth users: a full reader, and one without READ on one model and
                                 one experiment (run as the admin)
  seed.py truth   URI OUT.json   everything the client reports: models, versions, aliases, tags, runs,
                                 datasets (the expected values the bundle is compared with)

Credentials for the server come from MLFLOW_TRACKING_USERNAME / MLFLOW_TRACKING_PASSWORD, as for any
MLflow client. Every credential-looking value planted here is listed in `canaries` of the seed output:
none of them may appear in anything soc2 writes.
"""
import json
import os
import sys
import time

import mlflow
from mlflow import MlflowClient

MAJOR = int(mlflow.__version__.split(".")[0])
IS_PROMPT = "mlflow.prompt.is_prompt"
PROMPT_TEXT = "mlflow.prompt.text"

# values soc2 must never write (each in a form its redactor recognises)
CANARY = {
    "param_db_uri_password": "CanaryPgPw7f3a",
    "param_secret_named": "tok-canary-param-5521",
    "run_tag_aws_key": "AKIAGENUINECANARY001",
    "dataset_source_password": "CanaryDsPw9c1e",
    "model_description_bearer": "CanaryBearerTok0123456789",
    "model_tag_secret_named": "CanaryTagAccess909",
    "version_description_password": "CanaryVerPw4242",
    "version_source_password": "CanarySrcPw1717",
    "prompt_template_key": "CanaryPromptKey77",
    "run_name_password": "CanaryRunNamePw31",
    "dataset_name_token": "CanaryDsNameTok66",
}
CANARY_V3 = {
    "logged_model_param": "CanaryLmPw3131",
    "logged_model_tag": "ghp_CanaryLoggedModelTag0123456789ab",
    "webhook_secret": "CanaryWebhookSecret555",
    "webhook_url_token": "CanaryHookTok888",
}

N_FRAUD_VERSIONS = 105  # > 100, so listings page (the tests ask for small pages)


def client():
    return MlflowClient(os.environ["URI"])


def dataset(name, source, rows):
    import pandas as pd

    df = pd.DataFrame({"amount": [float(i) for i in range(rows)], "label": [i % 2 for i in range(rows)]})
    return mlflow.data.from_pandas(df, source=source, name=name, targets="label")


def new_run(c, experiment_id, name, params, tags, inputs):
    run = c.create_run(experiment_id, run_name=name, tags=tags)
    rid = run.info.run_id
    for k, v in params.items():
        c.log_param(rid, k, v)
    c.log_metric(rid, "auc", 0.9)
    for ds, context in inputs:
        from mlflow.entities import DatasetInput, InputTag

        c.log_inputs(rid, [DatasetInput(ds._to_mlflow_entity(), tags=[InputTag("mlflow.data.context", context)])])
    c.set_terminated(rid)
    return rid


def git_tags(sha, extra=None):
    t = {"mlflow.source.git.commit": sha, "mlflow.source.name": "train.py", "mlflow.source.type": "LOCAL", "mlflow.user": "trainer@acme.ai"}
    t.update(extra or {})
    return t


def seed_prompts(c, out):
    """A prompt with two versions and a production alias. MLflow 2.22's client registers it; MLflow 3's
    prompt API needs pydantic 2 (bookworm has 1), so there the REST calls register_prompt sends are made."""
    template1 = "You are a support agent. Answer: {{question}}"
    template2 = f"You are a support agent. Use api_key={CANARY['prompt_template_key']} to look up {{{{order}}}}. Answer: {{{{question}}}}"
    if MAJOR < 3:
        mlflow.register_prompt(name="support-prompt", template=template1, commit_message="first")
        mlflow.register_prompt(name="support-prompt", template=template2, commit_message="second")
        mlflow.set_prompt_alias("support-prompt", alias="production", version=2)
    else:
        registry = c._get_registry_client()
        registry.create_registered_model("support-prompt", tags={IS_PROMPT: "true"})
        for t in (template1, template2):
            registry.create_model_version("support-prompt", "dummy-source", tags={IS_PROMPT: "true", PROMPT_TEXT: t})
        registry.set_registered_model_alias("support-prompt", "production", "2")
    out["prompts"] = [{"name": "support-prompt", "versions": ["1", "2"], "aliases": {"production": "2"}}]


def seed_v3(c, out, runs, exp_fraud):
    from mlflow.entities import LoggedModelInput, LoggedModelOutput

    lm_run = runs["fraud_a"]
    lm = c.create_logged_model(
        exp_fraud,
        name="fraud-agent",
        source_run_id=lm_run,
        tags={"data_classification": "pii", "team": "risk", "note": CANARY_V3["logged_model_tag"]},
        params={"db_password": CANARY_V3["logged_model_param"], "temperature": "0.2"},
        model_type="agent",
    )
    train = dataset("fraud-eval", "s3://acme-train/fraud/eval.parquet", 7)
    mlflow.set_tracking_uri(os.environ["URI"])
    with mlflow.start_run(run_id=lm_run):
        mlflow.log_metric("accuracy", 0.93, model_id=lm.model_id, dataset=train)
    c.finalize_logged_model(lm.model_id, "READY")
    c.log_outputs(lm_run, [LoggedModelOutput(lm.model_id, step=0)])
    mv = mlflow.register_model(f"models:/{lm.model_id}", "fraud-agent")
    c.set_registered_model_alias("fraud-agent", "champion", mv.version)
    c.set_model_version_tag("fraud-agent", mv.version, "approved_by", "carol@acme.ai")

    ext = mlflow.create_external_model(name="vendor-classifier", tags={"vendor": "acme-vendor", "data_classification": "public"}, model_type="classifier", experiment_id=exp_fraud)
    vmv = mlflow.register_model(f"models:/{ext.model_id}", "vendor-classifier")
    c.set_registered_model_alias("vendor-classifier", "champion", vmv.version)

    gone = c.create_logged_model(exp_fraud, name="retired-agent", source_run_id=runs["fraud_b"])
    c.finalize_logged_model(gone.model_id, "READY")
    gmv = mlflow.register_model(f"models:/{gone.model_id}", "retired-agent")
    c.set_registered_model_alias("retired-agent", "production", gmv.version)
    c.delete_logged_model(gone.model_id)

    # a run that consumed a LoggedModel (model input) and one whose output it is (model output)
    eval_run = c.create_run(exp_fraud, run_name="evaluate-fraud-agent", tags=git_tags("e" * 40))
    c.log_inputs(eval_run.info.run_id, models=[LoggedModelInput(lm.model_id)])
    c.set_terminated(eval_run.info.run_id)

    hook = c.create_webhook(
        name="registry-events",
        url=f"https://hooks.acme.ai/mlflow?token={CANARY_V3['webhook_url_token']}",
        events=["model_version.created", "model_version_alias.created"],
        description="notify the release channel",
        secret=CANARY_V3["webhook_secret"],
    )
    out["loggedModels"] = {"fraud-agent": lm.model_id, "vendor-classifier": ext.model_id, "retired-agent": gone.model_id}
    out["modelInputRun"] = eval_run.info.run_id
    out["webhooks"] = [hook.webhook_id]


def seed(path):
    c = client()
    mlflow.set_tracking_uri(os.environ["URI"])
    exp_fraud = c.create_experiment("fraud-training", tags={"team": "risk"})
    exp_churn = c.create_experiment("churn-training")
    exp_hidden = c.create_experiment("restricted-research")
    train_a = dataset("fraud-train", "s3://acme-train/fraud/train-2026-10.parquet", 20)
    train_b = dataset(
        f"fraud-train token={CANARY['dataset_name_token']}",
        f"https://loader:{CANARY['dataset_source_password']}@data.acme.ai/fraud/train-2026-11.csv",
        30,
    )
    evalset = dataset("fraud-eval", "s3://acme-train/fraud/eval.parquet", 7)
    runs = {
        "fraud_a": new_run(
            c, exp_fraud, "train-fraud-a",
            {"lr": "0.01", "db_uri": f"postgresql://trainer:{CANARY['param_db_uri_password']}@db:5432/features", "api_token": CANARY["param_secret_named"]},
            git_tags("a" * 40, {"data_classification": "confidential", "mlflow.linkedPrompts": json.dumps([{"name": "support-prompt", "version": "2"}])}),
            [(train_a, "training"), (evalset, "eval")],
        ),
        "fraud_b": new_run(
            c, exp_fraud, f"train postgres://svc:{CANARY['run_name_password']}@db/features",
            {"lr": "0.02"},
            git_tags("b" * 40, {"note": f"uploaded with {CANARY['run_tag_aws_key']}"}),
            [(train_b, "training")],
        ),
        "churn": new_run(c, exp_churn, "train-churn", {"depth": "6"}, git_tags("c" * 40), [(dataset("churn-train", "s3://acme-train/churn.parquet", 12), "training")]),
        "deleted_run": new_run(c, exp_fraud, "train-deleted", {"lr": "0.5"}, git_tags("d" * 40), [(train_a, "training")]),
        "hidden": new_run(c, exp_hidden, "train-hidden", {"lr": "0.1"}, git_tags("f" * 40), [(evalset, "training")]),
        "no_git": new_run(c, exp_fraud, "notebook-run", {"lr": "0.3"}, {"mlflow.user": "ana@acme.ai"}, []),
    }

    c.create_registered_model(
        "fraud-detector",
        tags={"team": "risk", "data_classification": "confidential", "access_key": CANARY["model_tag_secret_named"]},
        description=f"Card fraud scoring. Deploy with Bearer {CANARY['model_description_bearer']}",
    )
    for i in range(1, N_FRAUD_VERSIONS + 1):
        rid = runs["fraud_a"] if i % 2 else runs["fraud_b"]
        c.create_model_version("fraud-detector", f"runs:/{rid}/model", run_id=rid, tags={"build": str(i)})
    c.update_model_version("fraud-detector", "2", description=f"second cut; password={CANARY['version_description_password']}")
    c.transition_model_version_stage("fraud-detector", "1", "Production")
    c.transition_model_version_stage("fraud-detector", "2", "Production", archive_existing_versions=True)
    c.transition_model_version_stage("fraud-detector", "3", "Staging")
    c.set_model_version_tag("fraud-detector", "2", "approved_by", "carol@acme.ai")
    c.set_registered_model_alias("fraud-detector", "champion", "2")
    c.set_registered_model_alias("fraud-detector", "challenger", "3")

    c.create_registered_model("churn-model", tags={"team": "growth"})
    c.create_model_version("churn-model", f"runs:/{runs['churn']}/model", run_id=runs["churn"])
    c.create_model_version("churn-model", f"runs:/{runs['deleted_run']}/model", run_id=runs["deleted_run"])
    c.create_model_version("churn-model", f"runs:/{runs['no_git']}/model", run_id=runs["no_git"])
    c.transition_model_version_stage("churn-model", "1", "Staging")
    c.set_registered_model_alias("churn-model", "production", "2")
    c.set_model_version_tag("churn-model", "2", "approved_by", "pending")
    c.delete_run(runs["deleted_run"])
    c.delete_experiment(exp_churn)

    c.create_registered_model("embeddings", description="vendor embeddings, registered from a bucket")
    c.create_model_version("embeddings", f"s3://models:{CANARY['version_source_password']}@acme-models/embeddings/v1")
    c.set_registered_model_alias("embeddings", "champion", "1")

    c.create_registered_model("restricted-model", tags={"team": "research"})
    c.create_model_version("restricted-model", f"runs:/{runs['hidden']}/model", run_id=runs["hidden"])
    c.transition_model_version_stage("restricted-model", "1", "Production")

    out = {"version": mlflow.__version__, "runs": runs, "experiments": {"fraud": exp_fraud, "churn": exp_churn, "hidden": exp_hidden}}
    seed_prompts(c, out)
    canaries = dict(CANARY)
    if MAJOR >= 3:
        seed_v3(c, out, runs, exp_fraud)
        canaries.update(CANARY_V3)
    out["canaries"] = sorted(canaries.values())
    write(path, out)


def promote(path):
    """One stage promotion (fraud-detector 3 → Production, archiving 2) and one production alias move
    (churn-model production 2 → 3). Exactly these changes happen between two collections."""
    c = client()
    c.transition_model_version_stage("fraud-detector", "3", "Production", archive_existing_versions=True)
    c.set_registered_model_alias("churn-model", "production", "3")
    write(path, {"stage": {"model": "fraud-detector", "version": "3", "from": "Staging", "to": "Production", "archived": "2"}, "alias": {"model": "churn-model", "alias": "production", "from": "2", "to": "3"}})


def auth(path):
    """Basic-auth users (run as the admin): `reader` reads everything (the default permission is
    READ), `partial` has NO_PERMISSIONS on restricted-model and on the restricted-research experiment."""
    from mlflow.server import get_app_client

    ac = get_app_client("basic-auth", tracking_uri=os.environ["URI"])
    ac.create_user("reader", "reader-pass-1")
    ac.create_user("partial", "partial-pass-1")
    c = client()
    hidden = c.get_experiment_by_name("restricted-research").experiment_id
    ac.create_registered_model_permission("restricted-model", "partial", "NO_PERMISSIONS")
    ac.create_experiment_permission(hidden, "partial", "NO_PERMISSIONS")
    write(path, {"users": {"reader": "reader-pass-1", "partial": "partial-pass-1"}, "hidden": {"model": "restricted-model", "experiment": hidden}})


def tags_of(obj):
    t = obj.tags
    return dict(t) if isinstance(t, dict) else {x.key: x.value for x in t}


def truth(path):
    c = client()
    models = []
    for rm in paged(lambda tok: c.search_registered_models(max_results=100, page_token=tok)):
        models.append({"name": rm.name, "description": rm.description or None, "tags": tags_of(rm), "aliases": dict(rm.aliases)})
    prompts = []
    for rm in paged(lambda tok: c.search_registered_models(filter_string=f"tags.`{IS_PROMPT}` = 'true'", max_results=100, page_token=tok)):
        prompts.append({"name": rm.name, "tags": tags_of(rm), "aliases": dict(rm.aliases)})
    versions = []
    for mv in paged(lambda tok: c.search_model_versions(max_results=100, page_token=tok)):
        versions.append(version_of(mv))
    prompt_versions = []
    for mv in paged(lambda tok: c.search_model_versions(filter_string=f"tags.`{IS_PROMPT}` = 'true'", max_results=100, page_token=tok)):
        prompt_versions.append(version_of(mv))
    run_ids = sorted({v["run_id"] for v in versions if v["run_id"]})
    runs = {rid: run_of(c.get_run(rid)) for rid in run_ids}
    out = {"models": models, "versions": versions, "prompts": prompts, "promptVersions": prompt_versions, "runs": runs}
    if MAJOR >= 3:
        lms = {}
        for v in versions:
            src = v["source"] or ""
            if src.startswith("models:/m-"):
                mid = src[len("models:/"):].split("/")[0]
                try:
                    lm = c.get_logged_model(mid)
                    lms[mid] = {"name": lm.name, "status": str(lm.status), "source_run_id": lm.source_run_id, "tags": dict(lm.tags), "params": dict(lm.params), "model_type": lm.model_type, "metrics": [{"key": m.key, "value": m.value, "dataset_name": m.dataset_name, "dataset_digest": m.dataset_digest} for m in (lm.metrics or [])]}
                except Exception as e:  # deleted: the server answers 404
                    lms[mid] = {"error": type(e).__name__}
        out["loggedModels"] = lms
        out["webhooks"] = [{"name": w.name, "url": w.url, "status": str(w.status)} for w in c.list_webhooks()]
    write(path, out)


def version_of(mv):
    return {
        "name": mv.name,
        "version": str(mv.version),
        "current_stage": mv.current_stage,
        "aliases": sorted(mv.aliases or []),
        "tags": tags_of(mv),
        "run_id": mv.run_id or None,
        "source": mv.source,
        "description": mv.description or None,
        "user_id": mv.user_id or None,
        "status": mv.status,
    }


def run_of(r):
    ds = []
    for di in (r.inputs.dataset_inputs if r.inputs else []):
        d = di.dataset
        ds.append({"name": d.name, "digest": d.digest, "source_type": d.source_type, "source": d.source, "context": {t.key: t.value for t in di.tags}.get("mlflow.data.context")})
    out = {
        "run_id": r.info.run_id,
        "experiment_id": r.info.experiment_id,
        "run_name": r.info.run_name,
        "lifecycle_stage": r.info.lifecycle_stage,
        "status": r.info.status,
        "params": dict(r.data.params),
        "tags": dict(r.data.tags),
        "datasets": ds,
    }
    if MAJOR >= 3 and r.inputs is not None:
        out["model_inputs"] = [m.model_id for m in (r.inputs.model_inputs or [])]
        out["model_outputs"] = [m.model_id for m in (r.outputs.model_outputs or [])] if r.outputs else []
    return out


def paged(fetch):
    token = None
    while True:
        page = fetch(token)
        yield from page
        token = page.token
        if not token:
            return


def write(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    cmd, uri, out_path = sys.argv[1], sys.argv[2], sys.argv[3]
    os.environ["URI"] = uri
    started = time.time()
    {"seed": seed, "promote": promote, "auth": auth, "truth": truth}[cmd](out_path)
    print(f"{cmd} done in {time.time() - started:.1f} s", file=sys.stderr)
