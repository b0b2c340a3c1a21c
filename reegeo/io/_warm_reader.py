"""Imported by the reader's fork server (:mod:`reegeo.io.bounded`): one tiny read, so every child starts warm.

The first read in a process opens GDAL's drivers and PROJ's database and
builds the readers' tables: work every child forked from the server would
repeat (about 80 ms). Done here once, before any child is forked; importing
this module has no other effect.
"""

from reegeo.io.sites import UploadLimits, read_sites

read_sites(b"name,lat,lon\nwarm-up,3.9,103.3\n", filename="warm-up.csv", limits=UploadLimits(max_read_s=None))
read_sites(b'{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[103.3,3.9]}}]}',
           filename="warm-up.geojson", limits=UploadLimits(max_read_s=None))
