"""The baseline of ``bench.http``: a bare hello-world Flask route, served by gunicorn
exactly as the application is (``gunicorn -c bench/http_gunicorn.py bench.http_hello:app``)."""
from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "Hello, World!"
