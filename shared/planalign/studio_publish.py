"""Puts a Studio build (vite's `dist/`) behind the front door: every file into the Studio's private
bucket with its content type and cache policy (vite's content-hashed `assets/` cached for a year, the
rest revalidated on each load), `index.html` last so that no page names an asset not there yet; then
invalidates the distribution so the new `index.html` is served at once."""

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".webmanifest": "application/manifest+json",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".ico": "image/x-icon",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".wasm": "application/wasm",
}
HASHED_ASSETS = "assets/"  # vite names these by content: a changed file is a new name
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
ENTRY = "index.html"


class InvalidBuild(Exception):
    """The folder is not a Studio build (no index.html)."""


@dataclass(frozen=True)
class PublishedFile:
    key: str
    content_type: str
    cache_control: str
    size: int


@dataclass(frozen=True)
class Publication:
    files: list[PublishedFile]
    invalidation_id: str


def content_type(key: str) -> str:
    return CONTENT_TYPES.get(Path(key).suffix.lower(), "application/octet-stream")


def cache_control(key: str) -> str:
    return IMMUTABLE if key.startswith(HASHED_ASSETS) else REVALIDATE


def build_files(dist: Path) -> list[tuple[str, Path]]:
    """(key, path) of every file of the build, `index.html` last."""
    if not (dist / ENTRY).is_file():
        raise InvalidBuild(f"{dist}: no {ENTRY} (give the Studio's vite build output, its dist/ folder)")
    files = sorted(
        (path.relative_to(dist).as_posix(), path)
        for path in dist.rglob("*")
        if path.is_file() and not path.name.startswith(".")
    )
    return sorted(files, key=lambda item: item[0] == ENTRY)


def publish_studio(dist: Path, s3: Any, cloudfront: Any, bucket: str, distribution_id: str) -> Publication:
    published = []
    for key, path in build_files(dist):
        body = path.read_bytes()
        file = PublishedFile(key, content_type(key), cache_control(key), len(body))
        s3.put_object(
            Bucket=bucket, Key=key, Body=body, ContentType=file.content_type, CacheControl=file.cache_control
        )
        published.append(file)
    invalidation = cloudfront.create_invalidation(
        DistributionId=distribution_id,
        InvalidationBatch={
            "Paths": {"Quantity": 1, "Items": ["/*"]},
            "CallerReference": f"planalign-studio-{time.time_ns()}",
        },
    )
    return Publication(published, str(invalidation["Invalidation"]["Id"]))
