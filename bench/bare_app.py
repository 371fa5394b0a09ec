"""The raw baseline: a bare Flask app answering /healthz with the same JSON body."""

from flask import Flask

app = Flask(__name__)


@app.get("/healthz")
def healthz():
    return {"status": "ok"}
