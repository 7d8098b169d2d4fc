"""The baseline of bench/http: hello-world Flask, served on the API's own uWSGI layout."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "hello"
