"""Run once, offline: turns the ADM1 boundaries (geoBoundaries, ../shared/data/geo/) into `provinces.json`, the
small file the province map draws (SVG path per province code, already projected).

    python karpear/monitoring/data/simplify_provinces.py /work/shared/data/geo/geoBoundaries-KHM-ADM1.geojson

Equirectangular projection scaled by cos(12.5°) (Cambodia is small: the distortion is invisible), then
Douglas–Peucker simplification in drawing units; islands smaller than a few pixels are dropped. Not imported by
the application.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

WIDTH = 400.0  # drawing units across the whole country
TOLERANCE = 0.7  # drawing units
MIN_AREA = 6.0  # square drawing units: smaller islands are left out


def _perpendicular(point: tuple[float, float], start: tuple[float, float], end: tuple[float, float]) -> float:
    (x, y), (x1, y1), (x2, y2) = point, start, end
    dx, dy = x2 - x1, y2 - y1
    if dx == dy == 0:
        return math.hypot(x - x1, y - y1)
    return abs(dy * x - dx * y + x2 * y1 - y2 * x1) / math.hypot(dx, dy)


def douglas_peucker(points: list[tuple[float, float]], tolerance: float) -> list[tuple[float, float]]:
    """Iterative Douglas–Peucker (no recursion limit on long rings)."""
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        farthest, distance = -1, tolerance
        for index in range(first + 1, last):
            d = _perpendicular(points[index], points[first], points[last])
            if d > distance:
                farthest, distance = index, d
        if farthest >= 0:
            keep[farthest] = True
            stack += [(first, farthest), (farthest, last)]
    return [p for p, k in zip(points, keep, strict=True) if k]


def _area(ring: list[tuple[float, float]]) -> float:
    return abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True))) / 2


def main(source: str) -> None:
    features = json.loads(Path(source).read_text())["features"]
    polygons: dict[str, list[list[list[list[float]]]]] = {}
    for feature in features:
        code = f"{int(feature['properties']['shapeISO'].split('-')[1]):02d}"
        geometry = feature["geometry"]
        polygons[code] = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    lons = [x for polys in polygons.values() for poly in polys for ring in poly for x, _ in ring]
    lats = [y for polys in polygons.values() for poly in polys for ring in poly for _, y in ring]
    squash = math.cos(math.radians(12.5))
    scale = WIDTH / ((max(lons) - min(lons)) * squash)
    height = (max(lats) - min(lats)) * scale
    paths: dict[str, str] = {}
    for code, polys in sorted(polygons.items()):
        parts = []
        for poly in polys:
            for ring in poly[:1]:  # outer rings only: no province has a hole worth drawing at this size
                projected = [((x - min(lons)) * squash * scale, (max(lats) - y) * scale) for x, y in ring]
                if _area(projected) < MIN_AREA:
                    continue
                simple = douglas_peucker(projected, TOLERANCE)
                parts.append("M" + "L".join(f"{x:.1f} {y:.1f}" for x, y in simple[:-1]) + "Z")
        paths[code] = "".join(parts)
    out = Path(__file__).with_name("provinces.json")
    out.write_text(json.dumps({"width": WIDTH, "height": round(height, 1), "paths": paths}, sort_keys=True) + "\n")
    print(f"{out}: {out.stat().st_size} bytes, {len(paths)} provinces")


if __name__ == "__main__":
    main(sys.argv[1])
