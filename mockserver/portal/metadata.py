"""What the mock cloud sells: providers, regions, instance types and release channels (``/metadata/...``).

A representative subset of the catalogue RavenDB Cloud's portal and ``/api/v1/metadata`` offer: enough for forms and validation, not a price list.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from .errors import message

REGIONS: dict[str, list[dict[str, str]]] = {
    "aws": [
        {"name": "us-east-1", "displayName": "US East (N. Virginia)"},
        {"name": "eu-west-1", "displayName": "EU (Ireland)"},
        {"name": "eu-central-1", "displayName": "EU (Frankfurt)"},
        {"name": "ap-southeast-2", "displayName": "Asia Pacific (Sydney)"},
    ],
    "azure": [
        {"name": "eastus", "displayName": "East US"},
        {"name": "westeurope", "displayName": "West Europe"},
    ],
    "gcp": [
        {"name": "us-central1", "displayName": "Iowa"},
        {"name": "europe-west1", "displayName": "Belgium"},
    ],
}

RELEASE_CHANNELS = ["Stable62", "Stable60", "Preview70"]
DEFAULT_RELEASE_CHANNEL = "Stable62"
STORAGE_TYPES = ["SsdStandard", "SsdPremium"]


def _it(name: str, tier: str, cpus: float, ram: float, disks: list[int], nodes: int) -> dict[str, Any]:
    return {
        "name": name,
        "tier": tier,
        "parameters": {
            "virtualCpus": cpus,
            "ram": ram,
            "availableDiskSizes": disks,
            "availableStorageTypes": [{"name": t} for t in STORAGE_TYPES],
            "numberOfNodes": nodes,
        },
    }


_SMALL, _LARGE = [10, 20, 32, 64], [32, 64, 128, 256, 512]
INSTANCE_TYPES: list[dict[str, Any]] = [
    _it("Free", "Free", 0.25, 0.5, [10], 1),
    _it("Dev10", "Development", 1, 2, _SMALL, 1),
    _it("Dev20", "Development", 2, 4, _SMALL, 1),
    _it("Dev30", "Development", 2, 8, _SMALL, 1),
    _it("Dev50", "Development", 4, 16, _LARGE, 1),
    _it("Dev70", "Development", 8, 32, _LARGE, 1),
    _it("PB10", "Production", 2, 2, _SMALL, 3),
    _it("PB20", "Production", 2, 4, _SMALL, 3),
    _it("PB30", "Production", 2, 8, _SMALL, 3),
    _it("P10", "Production", 2, 4, _LARGE, 3),
    _it("P20", "Production", 2, 8, _LARGE, 3),
    _it("P30", "Production", 4, 16, _LARGE, 3),
    _it("P50", "Production", 8, 32, _LARGE, 3),
    _it("P70", "Production", 16, 64, _LARGE, 3),
    _it("PN30", "Production", 4, 32, _LARGE, 3),
]


def known_region(provider: str, region: str) -> bool:
    return any(r["name"] == region for r in REGIONS.get(provider, []))


def instance_type(name: str) -> dict[str, Any] | None:
    return next((t for t in INSTANCE_TYPES if t["name"].lower() == str(name).lower()), None)


def release_channels() -> list[str]:
    return list(RELEASE_CHANNELS)


# --------------------------------------------------------------------------------------------- handlers


async def regions(request: web.Request) -> web.StreamResponse:
    provider = request.match_info["provider"]
    if provider not in REGIONS:
        raise message(404, f"Unknown cloud provider '{provider}'; expected aws, azure or gcp.")
    return web.json_response({"regions": REGIONS[provider]})


async def instance_types(request: web.Request) -> web.StreamResponse:
    provider, region = request.match_info["provider"], request.match_info["region"]
    if not known_region(provider, region):
        raise message(404, f"Unknown region '{region}' for provider '{provider}'.")
    return web.json_response({"instanceTypes": INSTANCE_TYPES})


async def channels(request: web.Request) -> web.StreamResponse:
    return web.json_response(
        {"defaultReleaseChannel": DEFAULT_RELEASE_CHANNEL, "releaseChannels": [{"name": c} for c in RELEASE_CHANNELS]}
    )
