"""Interface texts in English (``en``) and Bahasa Malaysia (``ms``).

One table of message ids to texts; :func:`t` looks one up. Rule messages live
with the rules (``message_en`` / ``message_ms``), not here.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["LANGUAGES", "TEXTS", "t", "column_label", "count_sites", "layer_label", "verdict_label", "check_language"]

LANGUAGES = {"en": "English", "ms": "Bahasa Malaysia"}

TEXTS: dict[str, Mapping[str, str]] = {
    "verdict.prohibited": {"en": "Prohibited", "ms": "Dilarang"},
    "verdict.review": {"en": "Needs review", "ms": "Perlu semakan"},
    "verdict.eligible": {"en": "Eligible", "ms": "Layak"},
    "severity.prohibited": {"en": "prohibited", "ms": "dilarang"},
    "severity.review": {"en": "review", "ms": "semakan"},
    "severity.advisory": {"en": "advisory", "ms": "nasihat"},
    "label.outside_malaysia": {"en": "Outside Malaysia, or in the sea", "ms": "Di luar Malaysia, atau di laut"},
    "label.spans_states": {"en": "Spans several states", "ms": "Merentasi beberapa negeri"},
    "label.uncertain": {"en": "{rule}: too close to call", "ms": "{rule}: terlalu hampir untuk dipastikan"},
    "label.unverified": {"en": "{layer} not mapped completely here", "ms": "{layer} tidak dipetakan sepenuhnya di sini"},
    "flag.outside_malaysia": {
        "en": "The site lies outside Malaysia's states (or in the sea): check the coordinates and their order (latitude, longitude).",
        "ms": "Tapak terletak di luar negeri-negeri Malaysia (atau di laut): semak koordinat dan susunannya (latitud, longitud).",
    },
    "flag.outside_malaysia.basis": {
        "en": "Screening covers Malaysian jurisdiction only",
        "ms": "Saringan meliputi bidang kuasa Malaysia sahaja",
    },
    "flag.uncertain": {
        "en": "Too close to call: the site is {distance} from {feature} ({layer}), and the rule's threshold is {threshold}. The feature's outline is good to ±{feature_accuracy} and the site's position to ±{site_accuracy}: ±{together} together, more than the site's margin, so the approximate boundary or position could put the site {where}. Check the authoritative boundary and the site's coordinates.",
        "ms": "Terlalu hampir untuk dipastikan: tapak berada {distance} dari {feature} ({layer}), dan ambang peraturan ialah {threshold}. Ketepatan sempadan ciri ialah ±{feature_accuracy} dan ketepatan kedudukan tapak ±{site_accuracy}: ±{together} bersama, melebihi jarak selamat tapak, jadi sempadan atau kedudukan anggaran mungkin meletakkannya {where}. Semak sempadan yang sah dan koordinat tapak.",
    },
    "flag.uncertain.other": {
        "en": "Too close to call: the nearest feature, {feature} ({layer}), is {distance} away, but another feature of the layer with a coarser outline (stated accuracy up to ±{accuracy}; the site's position ±{site_accuracy}) could put the site {where}. Check the authoritative boundary and the site's coordinates.",
        "ms": "Terlalu hampir untuk dipastikan: ciri terdekat, {feature} ({layer}), berada {distance} jauhnya, tetapi ciri lain lapisan ini yang sempadannya kasar (ketepatan hingga ±{accuracy}; kedudukan tapak ±{site_accuracy}) mungkin meletakkan tapak {where}. Semak sempadan yang sah dan koordinat tapak.",
    },
    "report.map.line": {"en": "Dashed line: {measured}.", "ms": "Garis putus-putus: {measured}."},
    "report.map.distance_to": {"en": "{distance} to {feature}", "ms": "{distance} ke {feature}"},
    "bodies.ft_land": {"en": "{state}: Federal Territories land office and local planning authority", "ms": "{state}: pejabat tanah Wilayah Persekutuan dan pihak berkuasa perancang tempatan"},
    "bodies.state_government": {"en": "{state} State Government / State Economic Planning Unit (land alienation, state approvals)", "ms": "Kerajaan Negeri {state} / Unit Perancang Ekonomi Negeri (pemberimilikan tanah, kelulusan negeri)"},
    "bodies.land_office": {"en": "{state} Land and Mines Office (PTG)", "ms": "Pejabat Tanah dan Galian {state} (PTG)"},
    "bodies.forestry": {"en": "{state} forestry department (forest reserves, excision)", "ms": "Jabatan Perhutanan Negeri {state} (hutan simpan, pengeluaran)"},
    "bodies.water": {"en": "{state} water regulator (gazetted catchments)", "ms": "Pengawal selia air {state} (kawasan tadahan yang diwartakan)"},
    "bodies.local_plan": {"en": "Local planning authority (planning permission under the local plan)", "ms": "Pihak berkuasa perancang tempatan (kebenaran merancang di bawah rancangan tempatan)"},
    "bodies.nreb": {"en": "Natural Resources and Environment Board (NREB) Sarawak (environmental approval)", "ms": "Lembaga Sumber Asli dan Alam Sekitar (NREB) Sarawak (kelulusan alam sekitar)"},
    "bodies.epd": {"en": "Environment Protection Department (EPD) Sabah and the federal Department of Environment (EIA)", "ms": "Jabatan Perlindungan Alam Sekitar (EPD) Sabah dan Jabatan Alam Sekitar persekutuan (EIA)"},
    "bodies.doe": {"en": "Department of Environment (DOE), federal: EIA approval", "ms": "Jabatan Alam Sekitar (JAS), persekutuan: kelulusan EIA"},
    "bodies.aelb": {"en": "Atomic Energy Licensing Board (AELB), federal: licence for radioactive (NORM) material", "ms": "Lembaga Perlesenan Tenaga Atom (AELB), persekutuan: lesen bahan radioaktif (NORM)"},
    "bodies.jmg": {"en": "Department of Mineral and Geoscience (JMG), federal: mineral matters", "ms": "Jabatan Mineral dan Geosains (JMG), persekutuan: hal ehwal mineral"},
    "argument.layers": {"en": "a {value} layer (Data sources page: load a layer for this session)", "ms": "lapisan {value} (halaman Sumber data: muatkan lapisan untuk sesi ini)"},
    "argument.layer": {"en": "the layer picker under the upload", "ms": "pemilih lapisan di bawah muat naik"},
    "argument.max_features": {"en": "the server's REEGEO upload limits (ask the server's administrator)", "ms": "had muat naik REEGEO pelayan (tanya pentadbir pelayan)"},
    "argument.coordinate_columns": {"en": "the column pickers under the upload", "ms": "pemilih lajur di bawah muat naik"},
    "argument.max_site_km2": {"en": "the server's REEGEO upload limits (ask the server's administrator)", "ms": "had muat naik REEGEO pelayan (tanya pentadbir pelayan)"},
    "argument.max_read_s": {"en": "REEGEO_MAX_READ_S on the server (ask the server's administrator)", "ms": "REEGEO_MAX_READ_S pada pelayan (tanya pentadbir pelayan)"},
    "argument.x_column": {"en": "the x (longitude) column picker", "ms": "pemilih lajur x (longitud)"},
    "argument.y_column": {"en": "the y (latitude) column picker", "ms": "pemilih lajur y (latitud)"},
    "argument.id_column": {"en": "the site-id column picker", "ms": "pemilih lajur id tapak"},
    "widget.upload": {"en": "Upload", "ms": "Muat naik"},
    "widget.upload_limit": {"en": "{mb}MB per file", "ms": "{mb}MB setiap fail"},
    "sources.col.layer": {"en": "Layer", "ms": "Lapisan"},
    "sources.col.title": {"en": "Title", "ms": "Tajuk"},
    "sources.col.authoritative": {"en": "Authoritative", "ms": "Sah"},
    "sources.col.approximate": {"en": "Approximate", "ms": "Anggaran"},
    "sources.col.file": {"en": "File", "ms": "Fail"},
    "report.reference": {"en": "Reference", "ms": "Rujukan"},
    "report.author": {"en": "Prepared by", "ms": "Disediakan oleh"},
    "project.title": {"en": "Project", "ms": "Projek"},
    "project.help": {
        "en": "Your sites (with the columns chosen), rules and rule notes, session layers, language and report settings in one file. Open it here again, or report from it with: python -m reegeo screen --project FILE.reegeo -o report.pdf",
        "ms": "Tapak anda (dengan lajur yang dipilih), peraturan dan nota peraturan, lapisan sesi, bahasa dan tetapan laporan dalam satu fail. Buka semula di sini, atau hasilkan laporan dengan: python -m reegeo screen --project FAIL.reegeo -o laporan.pdf",
    },
    "project.save": {"en": "Save project (.reegeo)", "ms": "Simpan projek (.reegeo)"},
    "project.open": {"en": "Open a project", "ms": "Buka projek"},
    "project.opened": {"en": "Opened project {file}: {count} screened again.", "ms": "Projek {file} dibuka: {count} disaring semula."},
    "project.kept": {"en": "Kept on this server: a reload of this page restores your work.", "ms": "Disimpan pada pelayan ini: memuat semula halaman ini memulihkan kerja anda."},
    "project.not_kept": {
        "en": "This workspace is too large to keep on the server: a reload would lose it. Save the project file.",
        "ms": "Ruang kerja ini terlalu besar untuk disimpan pada pelayan: memuat semula akan menghilangkannya. Simpan fail projek.",
    },
    "project.restore_failed": {"en": "Your saved session could not be restored: {error}", "ms": "Sesi anda yang disimpan tidak dapat dipulihkan: {error}"},
    "rules.note_title": {"en": "Who is changing the rules, and why (kept with the project and printed in the report)", "ms": "Siapa yang mengubah peraturan, dan mengapa (disimpan bersama projek dan dicetak dalam laporan)"},
    "rules.note_author": {"en": "Your name", "ms": "Nama anda"},
    "rules.note_reason": {"en": "Reason for the change", "ms": "Sebab perubahan"},
    "rules.note_placeholder": {"en": "e.g. state guideline PLANMalaysia 2025 sets a 1 km buffer", "ms": "cth. garis panduan negeri PLANMalaysia 2025 menetapkan zon penampan 1 km"},
    "rules.change_reset": {"en": "reset to the bundled rules", "ms": "ditetapkan semula kepada peraturan asal"},
    "rules.change_file": {"en": "replaced by the rules file {file}", "ms": "diganti dengan fail peraturan {file}"},
    "screen.columns": {"en": "Columns used", "ms": "Lajur yang digunakan"},
    "screen.columns_help": {
        "en": "Which column names each site, and (for CSV and Excel) which hold the coordinates. Automatic picks the usual names (site_id, name, nama...; latitude/latitud, longitude/longitud/bujur); the notes above say which were used.",
        "ms": "Lajur yang menamakan setiap tapak, dan (untuk CSV dan Excel) lajur koordinat. Automatik memilih nama biasa (site_id, name, nama...; latitude/latitud, longitude/longitud/bujur); nota di atas menyatakan lajur yang digunakan.",
    },
    "screen.column_id": {"en": "Site name or id", "ms": "Nama atau id tapak"},
    "screen.column_x": {"en": "Longitude (x, easting)", "ms": "Longitud (x, timur)"},
    "screen.column_y": {"en": "Latitude (y, northing)", "ms": "Latitud (y, utara)"},
    "screen.column_auto": {"en": "(automatic)", "ms": "(automatik)"},
    "screen.report_author": {"en": "Prepared by (optional)", "ms": "Disediakan oleh (pilihan)"},
    "screen.report_scope": {"en": "Site pages in the report", "ms": "Halaman tapak dalam laporan"},
    "screen.report_scope.all": {"en": "Every site", "ms": "Setiap tapak"},
    "screen.report_scope.flagged": {"en": "Prohibited and needs-review only", "ms": "Dilarang dan perlu semakan sahaja"},
    "screen.report_scope.summary": {"en": "Summary only (large sets)", "ms": "Ringkasan sahaja (set besar)"},
    "report.scope.flagged": {
        "en": "Site pages follow for {pages} only (prohibited or needs review); the counts cover all {total}.",
        "ms": "Halaman tapak disertakan untuk {pages} sahaja (dilarang atau perlu semakan); kiraan meliputi kesemua {total}.",
    },
    "report.scope.summary": {
        "en": "Summary only: no site pages; the counts cover all {total} (see the CSV for each site).",
        "ms": "Ringkasan sahaja: tiada halaman tapak; kiraan meliputi kesemua {total} (lihat CSV untuk setiap tapak).",
    },
    "report.rule_changes": {"en": "Changes to the rules, who made them and why", "ms": "Perubahan peraturan, oleh siapa dan mengapa"},
    "report.all_rules": {"en": "all rules", "ms": "semua peraturan"},
    "report.col.change": {"en": "Change", "ms": "Perubahan"},
    "report.col.author": {"en": "By", "ms": "Oleh"},
    "report.col.reason": {"en": "Why", "ms": "Sebab"},
    "report.col.time": {"en": "When (UTC)", "ms": "Bila (UTC)"},
    "screen.report_title": {"en": "Report title", "ms": "Tajuk laporan"},
    "screen.report_reference": {"en": "Reference number", "ms": "Nombor rujukan"},
    "proximity.title": {"en": "What was checked", "ms": "Apa yang disemak"},
    "proximity.col.layer": {"en": "Layer", "ms": "Lapisan"},
    "proximity.col.nearest": {"en": "Nearest feature", "ms": "Ciri terdekat"},
    "proximity.col.distance": {"en": "Distance", "ms": "Jarak"},
    "proximity.col.rules": {"en": "Rule thresholds", "ms": "Ambang peraturan"},
    "proximity.col.data": {"en": "Data here", "ms": "Data di sini"},
    "proximity.col.result": {"en": "Result", "ms": "Keputusan"},
    "proximity.inside": {"en": "inside or touching", "ms": "di dalam atau bersentuhan"},
    "proximity.touching": {"en": "touching", "ms": "bersentuhan"},
    "proximity.within": {"en": "within {distance}", "ms": "dalam {distance}"},
    "proximity.context": {"en": "context (no rule)", "ms": "konteks (tiada peraturan)"},
    "proximity.complete": {"en": "complete here", "ms": "lengkap di sini"},
    "proximity.incomplete": {"en": "incomplete in {states}", "ms": "tidak lengkap di {states}"},
    "proximity.clear": {"en": "clear", "ms": "tiada halangan"},
    "proximity.unverified": {"en": "not verified (data incomplete)", "ms": "tidak disahkan (data tidak lengkap)"},
    "finding.buffer": {"en": "The rule's buffer is {distance}.", "ms": "Zon penampan peraturan ialah {distance}."},
    "flag.uncertain.inside": {"en": "inside it", "ms": "di dalamnya"},
    "flag.uncertain.within": {"en": "within the {threshold} buffer", "ms": "dalam zon penampan {threshold}"},
    "flag.uncertain.basis": {
        "en": "Boundary uncertainty of the layer (accuracy in the layer manifest); underlying rule: {rule}",
        "ms": "Ketidakpastian sempadan lapisan (ketepatan dalam manifes lapisan); peraturan asal: {rule}",
    },
    "flag.unverified": {
        "en": "Nothing in the {layer} layer is recorded at this site, but that layer is incomplete in {states}, so the site cannot be cleared: {remedy}, and load it for {states} (Data sources page, or 'reegeo data import {name} FILE --covers {states}').",
        "ms": "Tiada {layer} direkodkan di tapak ini, tetapi lapisan itu tidak lengkap di {states}, jadi tapak tidak boleh disahkan bebas: {remedy}, dan muatkannya bagi {states} (halaman Sumber data, atau 'reegeo data import {name} FILE --covers {states}').",
    },
    "flag.unverified.edge": {
        "en": "Nothing in the {layer} layer is recorded at this site, but the site reaches a little way over its state's boundary (less than the boundary's accuracy) into a state where that layer is incomplete, so it cannot be cleared: {remedy}, or trim the site to its state.",
        "ms": "Tiada {layer} direkodkan di tapak ini, tetapi tapak melepasi sedikit sempadan negerinya (kurang daripada ketepatan sempadan) ke negeri yang lapisan itu tidak lengkap, jadi tapak tidak boleh disahkan bebas: {remedy}, atau pangkas tapak kepada negerinya.",
    },
    "flag.unverified.basis": {
        "en": "A site is eligible only where every layer a prohibiting rule tests is complete (the layer's coverage, shown on the Data sources page); prohibiting rule(s): {rule}",
        "ms": "Tapak layak hanya di tempat setiap lapisan yang diuji oleh peraturan larangan adalah lengkap (liputan lapisan, dipaparkan di halaman Sumber data); peraturan larangan: {rule}",
    },
    "remedy.forest_reserves": {
        "en": "check the JPSM (Forestry Department) reserve map or the state forestry department's gazette plans",
        "ms": "semak peta hutan simpan JPSM (Jabatan Perhutanan) atau pelan warta jabatan perhutanan negeri",
    },
    "remedy.water_catchments": {
        "en": "check the state water authority's gazetted catchments",
        "ms": "semak kawasan tadahan air yang diwartakan oleh pihak berkuasa air negeri",
    },
    "remedy.protected_areas": {
        "en": "check the national and state park boundaries (PERHILITAN, state parks corporations, WDPA)",
        "ms": "semak sempadan taman negara dan taman negeri (PERHILITAN, perbadanan taman negeri, WDPA)",
    },
    "remedy.default": {"en": "check an authoritative map of this layer", "ms": "semak peta sah lapisan ini"},
    "coverage.complete": {"en": "complete", "ms": "lengkap"},
    "coverage.incomplete": {"en": "incomplete", "ms": "tidak lengkap"},
    "coverage.everywhere": {"en": "complete in every state", "ms": "lengkap di setiap negeri"},
    "coverage.nowhere": {"en": "complete in no state", "ms": "tidak lengkap di mana-mana negeri"},
    "coverage.states": {"en": "complete in {states}", "ms": "lengkap di {states}"},
    "coverage.unverified_title": {"en": "Sites the data could not clear", "ms": "Tapak yang tidak dapat disahkan bebas oleh data"},
    "coverage.unverified_intro": {
        "en": "{count} of {total} could not be cleared because a prohibiting layer is incomplete where they lie: nothing loaded prohibits them, but the data cannot show they are clear. Load the authoritative layer for these states to clear them.",
        "ms": "{count} daripada {total} tidak dapat disahkan bebas kerana lapisan larangan tidak lengkap di lokasinya: tiada larangan dalam data yang dimuatkan, tetapi data tidak dapat menunjukkan ia bebas. Muatkan lapisan sah bagi negeri-negeri ini untuk mengesahkannya.",
    },
    "coverage.col.layer": {"en": "Incomplete layer", "ms": "Lapisan tidak lengkap"},
    "coverage.col.state": {"en": "State", "ms": "Negeri"},
    "coverage.col.sites": {"en": "Sites not cleared", "ms": "Tapak tidak disahkan"},
    "coverage.col.load": {"en": "What to load", "ms": "Apa yang perlu dimuatkan"},
    "coverage.load": {
        "en": "{remedy}; then load it for {state} on the Data sources page",
        "ms": "{remedy}; kemudian muatkannya bagi {state} di halaman Sumber data",
    },
    "coverage.table_title": {"en": "Where the constraint layers are complete", "ms": "Di mana lapisan kekangan lengkap"},
    "coverage.table_intro": {
        "en": "A site can be 'eligible' only in a state where every layer a prohibiting rule tests is complete. The bundled sketches are complete nowhere: they can prohibit a site, never clear one.",
        "ms": "Tapak boleh 'layak' hanya di negeri yang setiap lapisan diuji oleh peraturan larangan adalah lengkap. Lakaran yang disertakan tidak lengkap di mana-mana: ia boleh melarang tapak, tetapi tidak mengesahkannya bebas.",
    },
    "coverage.none_complete": {
        "en": "Complete in no state: {layers}. No site can be eligible anywhere until authoritative layers are loaded (see below); sites inside or near a drawn outline are still prohibited or flagged.",
        "ms": "Tidak lengkap di mana-mana negeri: {layers}. Tiada tapak boleh layak di mana-mana sehingga lapisan sah dimuatkan (lihat di bawah); tapak di dalam atau berhampiran garis yang dilukis masih dilarang atau ditanda.",
    },
    "coverage.sidebar": {
        "en": "Not complete in every state: {layers}. Where they are incomplete (greyed on the map), a site nothing prohibits gets 'review', never 'eligible'. Load authoritative data: see Data sources.",
        "ms": "Tidak lengkap di setiap negeri: {layers}. Di tempat ia tidak lengkap (kelabu pada peta), tapak yang tiada larangan diberi 'semakan', bukan 'layak'. Muatkan data sah: lihat Sumber data.",
    },
    "coverage.col.coverage": {"en": "Coverage", "ms": "Liputan"},
    "map.incomplete": {
        "en": "Not mapped completely here: {layers} (a site cannot be cleared)",
        "ms": "Tidak dipetakan sepenuhnya di sini: {layers} (tapak tidak boleh disahkan bebas)",
    },
    "map.incomplete_layer": {"en": "Where the data is incomplete", "ms": "Di mana data tidak lengkap"},
    "map.incomplete_toggle": {"en": "Show where the data cannot clear a site", "ms": "Tunjukkan di mana data tidak dapat mengesahkan tapak"},
    "sources.install_title": {"en": "Load real data on this server", "ms": "Muatkan data sebenar pada pelayan ini"},
    "sources.install_help": {
        "en": "Install an authoritative file (JPSM or JUPEM reserves, gazetted catchments, WDPA) for everyone using this server, like 'python -m reegeo data import'. Name the states it is complete for: only there can sites be cleared.",
        "ms": "Pasang fail sah (hutan simpan JPSM atau JUPEM, tadahan yang diwartakan, WDPA) untuk semua pengguna pelayan ini, seperti 'python -m reegeo data import'. Namakan negeri yang lengkap: hanya di situ tapak boleh disahkan bebas.",
    },
    "sources.install_layer": {"en": "Layer", "ms": "Lapisan"},
    "sources.install_run": {"en": "Install on this server", "ms": "Pasang pada pelayan ini"},
    "sources.installed": {
        "en": "Installed {layer}: {count} feature(s), complete in: {covers}. Sites were screened again.",
        "ms": "{layer} dipasang: {count} ciri, lengkap di: {covers}. Tapak telah disaring semula.",
    },
    "sources.osm_title": {"en": "Fetch from OpenStreetMap", "ms": "Ambil daripada OpenStreetMap"},
    "sources.osm_help": {
        "en": "Needs a network: asks an Overpass API server for the chosen states, one at a time (OpenStreetMap contributors, ODbL 1.0; not authoritative). OSM's completeness varies by state: declare a state complete only when you have checked it.",
        "ms": "Perlu rangkaian: meminta pelayan Overpass API untuk negeri yang dipilih, satu demi satu (penyumbang OpenStreetMap, ODbL 1.0; tidak sah). Kelengkapan OSM berbeza mengikut negeri: isytiharkan negeri lengkap hanya selepas anda menyemaknya.",
    },
    "sources.osm_states": {"en": "States to fetch", "ms": "Negeri untuk diambil"},
    "sources.osm_covers": {"en": "States whose OpenStreetMap mapping is complete", "ms": "Negeri yang pemetaan OpenStreetMapnya lengkap"},
    "sources.osm_covers_help": {
        "en": "Among the fetched states, those whose OSM mapping you accept as complete.",
        "ms": "Antara negeri yang diambil, yang pemetaan OSMnya anda terima sebagai lengkap.",
    },
    "sources.osm_endpoint": {"en": "Overpass API endpoint", "ms": "Titik akhir Overpass API"},
    "sources.osm_run": {"en": "Fetch and install", "ms": "Ambil dan pasang"},
    "sources.covers": {"en": "States this file is complete for", "ms": "Negeri yang lengkap dalam fail ini"},
    "sources.covers_help": {
        "en": "Sites in these states can be cleared against the file; elsewhere they stay 'review'. 'all' = every state.",
        "ms": "Tapak di negeri ini boleh disahkan terhadap fail; di tempat lain kekal 'semakan'. 'all' = setiap negeri.",
    },
    "surface.col.review_data": {"en": "review: data incomplete (km²)", "ms": "semakan: data tidak lengkap (km²)"},
    "surface.col.review_rules": {"en": "review: buffer or uncertainty (km²)", "ms": "semakan: zon penampan atau ketidakpastian (km²)"},
    "flag.spans_states": {
        "en": "The site spans several states ({states}): land, planning and water permits are needed from each state.",
        "ms": "Tapak merentasi beberapa negeri ({states}): permit tanah, perancangan dan air diperlukan daripada setiap negeri.",
    },
    "flag.spans_states.basis": {
        "en": "National Land Code 1965 and Town and Country Planning Act 1976: land and planning are state matters",
        "ms": "Kanun Tanah Negara 1965 dan Akta Perancangan Bandar dan Desa 1976: tanah dan perancangan adalah perkara negeri",
    },
    "measure.inside": {"en": "touches or lies inside {feature}", "ms": "bersentuhan atau di dalam {feature}"},
    "measure.distance": {"en": "{distance} from {feature}", "ms": "{distance} dari {feature}"},
    "measure.overlap": {"en": "{area} ({pct} of the site) inside {layer}", "ms": "{area} ({pct} daripada tapak) di dalam {layer}"},
    "measure.overlaps": {"en": "overlaps {features}", "ms": "bertindih dengan {features}"},
    "measure.overlaps_more": {"en": " and {count} more", "ms": " dan {count} lagi"},
    "measure.always": {"en": "applies to every site", "ms": "terpakai kepada setiap tapak"},
    "layer.forest_reserves": {"en": "forest reserves", "ms": "hutan simpan"},
    "layer.water_catchments": {"en": "water catchments", "ms": "kawasan tadahan air"},
    "layer.deposits": {"en": "rare-earth deposits", "ms": "deposit nadir bumi"},
    "layer.lynas": {"en": "Lynas plant and residue facilities", "ms": "loji Lynas dan kemudahan sisa"},
    "layer.states": {"en": "states", "ms": "negeri"},
    "layer.protected_areas": {"en": "national and state parks", "ms": "taman negara dan taman negeri"},
    "layer.reservoirs": {"en": "reservoirs", "ms": "takungan air"},
    "layer.ports": {"en": "ports", "ms": "pelabuhan"},
    # Dashboard (app.py, pages/, reegeo.web.map): page labels and widgets.
    "app.title": {"en": "reegeo: rare-earth refinery site screening", "ms": "reegeo: saringan tapak kilang penapisan nadir bumi"},
    "app.language": {"en": "Language", "ms": "Bahasa"},
    "app.tagline": {
        "en": "Screen candidate sites against forest reserves, water catchments and the rules that protect them.",
        "ms": "Saring tapak cadangan terhadap hutan simpan, kawasan tadahan air dan peraturan yang melindunginya.",
    },
    "app.sites_loaded": {"en": "{count} screened ({source})", "ms": "{count} disaring ({source})"},
    "count.site": {"en": "{n} site", "ms": "{n} tapak"},
    "count.sites": {"en": "{n} sites", "ms": "{n} tapak"},
    "page.map": {"en": "Map", "ms": "Peta"},
    "page.screen": {"en": "Screen sites", "ms": "Saring tapak"},
    "page.rules": {"en": "Rules", "ms": "Peraturan"},
    "page.sources": {"en": "Data sources", "ms": "Sumber data"},
    "map.legend": {"en": "Legend", "ms": "Petunjuk"},
    "map.sites": {"en": "Candidate sites", "ms": "Tapak cadangan"},
    "map.sites_capped": {
        "en": "The map shows {shown} of {total}: the prohibited sites first, then those that need review, then eligible ones. The table, the downloads and the reports hold every site.",
        "ms": "Peta menunjukkan {shown} daripada {total}: tapak dilarang dahulu, kemudian yang perlu disemak, kemudian yang layak. Jadual, muat turun dan laporan memuatkan setiap tapak.",
    },
    "map.approximate": {"en": "approximate", "ms": "anggaran"},
    "column.site_id": {"en": "Site", "ms": "Tapak"},
    "column.verdict": {"en": "Verdict", "ms": "Keputusan"},
    "column.violations": {"en": "Prohibitions", "ms": "Larangan"},
    "column.flags": {"en": "Review flags", "ms": "Bendera semakan"},
    "column.advisories": {"en": "Advisories", "ms": "Nasihat"},
    "column.state": {"en": "State", "ms": "Negeri"},
    "column.site_area_m2": {"en": "Site area (m²)", "ms": "Keluasan tapak (m²)"},
    "column.states_spanned": {"en": "States touched", "ms": "Negeri yang disentuh"},
    "column.metric_crs": {"en": "Measured in", "ms": "Diukur dalam"},
    "column.dist": {"en": "Distance to {layer} (m)", "ms": "Jarak ke {layer} (m)"},
    "column.nearest": {"en": "Nearest ({layer})", "ms": "Terdekat ({layer})"},
    "column.overlap_m2": {"en": "Inside {layer} (m²)", "ms": "Di dalam {layer} (m²)"},
    "column.overlap_pct": {"en": "Inside {layer} (%)", "ms": "Di dalam {layer} (%)"},
    "map.surface": {"en": "Eligibility surface", "ms": "Permukaan kelayakan"},
    "map.surface_toggle": {"en": "Eligibility surface: where could a refinery go at all?", "ms": "Permukaan kelayakan: di manakah kilang penapisan boleh dibina?"},
    "map.surface_cell": {"en": "Cell size", "ms": "Saiz sel"},
    "map.surface_label": {"en": "Eligibility surface ({cell} cells)", "ms": "Permukaan kelayakan (sel {cell})"},
    "map.surface_caption": {
        "en": "Every {cell} square of Malaysia (GDM2000 RSO grid, cut at state borders) screened as a site under the current rules and layers: a cell is prohibited if any part of it is. Area per state and verdict below. Built on approximate layers, it is a first look, not a siting decision.",
        "ms": "Setiap petak {cell} di Malaysia (grid GDM2000 RSO, dipotong di sempadan negeri) disaring sebagai tapak di bawah peraturan dan lapisan semasa: sel dilarang jika mana-mana bahagiannya dilarang. Keluasan mengikut negeri dan keputusan di bawah. Berdasarkan lapisan anggaran, ini tinjauan awal, bukan keputusan penempatan.",
    },
    "map.surface_spinner": {"en": "Screening every cell of Malaysia…", "ms": "Menyaring setiap sel di Malaysia…"},
    "map.merged": {
        "en": "{count} features, drawn merged at this scale; each site's report names the nearest one",
        "ms": "{count} ciri, dilukis bergabung pada skala ini; laporan setiap tapak menamakan yang terdekat",
    },
    "map.approximate_note": {"en": "Dashed outlines are approximate.", "ms": "Garis putus-putus ialah anggaran."},
    "map.layer": {"en": "Layer", "ms": "Lapisan"},
    "map.type": {"en": "Type", "ms": "Jenis"},
    "map.state": {"en": "State", "ms": "Negeri"},
    "map.source": {"en": "Source", "ms": "Sumber"},
    "map.accuracy": {"en": "Accuracy", "ms": "Ketepatan"},
    "map.no_findings": {"en": "No rule fired.", "ms": "Tiada peraturan dicetuskan."},
    "map.tiles": {"en": "Background tiles (needs internet)", "ms": "Jubin latar (perlu internet)"},
    "about.title": {"en": "What reegeo does, and how far to trust it", "ms": "Apa yang reegeo lakukan, dan sejauh mana ia boleh dipercayai"},
    "about.body": {
        "en": (
            "reegeo screens candidate sites for a rare-earth refinery in Malaysia against the prohibitions in law: "
            "no project inside a forest reserve (National Forestry Act 1984), a gazetted water catchment, or a national park "
            "or wildlife reserve; and it names the state and the federal and state bodies whose permits a site needs.\n\n"
            "- **Prohibited**: the site overlaps a prohibited area. The report gives the law and the overlap.\n"
            "- **Needs review**: the site is within a buffer, too close to an approximate boundary to call, or in a state where "
            "a prohibiting layer is not mapped completely, so the data cannot clear it. The finding says what to check or load.\n"
            "- **Eligible**: nothing prohibits the site, and every prohibiting layer is complete where it lies.\n\n"
            "The bundled forest reserves, catchments and parks are **approximate sketches of a few areas**, complete in no state: "
            "with them reegeo can prohibit a site but never clear one. Load authoritative layers (JPSM, state water authorities, "
            "WDPA, OpenStreetMap) on the Data sources page, state by state, to get verdicts you can rely on. A verdict is a "
            "screening aid, not a permit decision."
        ),
        "ms": (
            "reegeo menyaring tapak calon kilang penapisan nadir bumi di Malaysia terhadap larangan undang-undang: "
            "tiada projek di dalam hutan simpan (Akta Perhutanan Negara 1984), kawasan tadahan air yang diwartakan, atau taman "
            "negara atau rizab hidupan liar; dan ia menamakan negeri serta badan persekutuan dan negeri yang permitnya diperlukan.\n\n"
            "- **Dilarang**: tapak bertindih dengan kawasan larangan. Laporan memberikan undang-undang dan pertindihannya.\n"
            "- **Perlu semakan**: tapak berada dalam zon penampan, terlalu hampir dengan sempadan anggaran untuk dipastikan, atau "
            "di negeri yang lapisan larangannya tidak dipetakan sepenuhnya, jadi data tidak dapat mengesahkannya. Dapatan "
            "menyatakan apa yang perlu disemak atau dimuatkan.\n"
            "- **Layak**: tiada apa yang melarang tapak, dan setiap lapisan larangan lengkap di lokasinya.\n\n"
            "Hutan simpan, kawasan tadahan dan taman yang disertakan ialah **lakaran anggaran bagi beberapa kawasan**, tidak "
            "lengkap di mana-mana negeri: dengannya reegeo boleh melarang tapak tetapi tidak sekali-kali mengesahkannya. Muatkan "
            "lapisan sah (JPSM, pihak berkuasa air negeri, WDPA, OpenStreetMap) di halaman Sumber data, negeri demi negeri, untuk "
            "keputusan yang boleh dipercayai. Keputusan ialah alat saringan, bukan keputusan permit."
        ),
    },
    "widget.choose": {"en": "Choose one or more", "ms": "Pilih satu atau lebih"},
    "map.measured": {"en": "Measured distance and buffer", "ms": "Jarak yang diukur dan zon penampan"},
    "map.caption": {
        "en": "Toggle layers at the top right; click a feature or a site for its details. Sites appear once screened on the Screen sites page.",
        "ms": "Hidupkan atau matikan lapisan di kanan atas; klik ciri atau tapak untuk butirannya. Tapak dipaparkan selepas disaring di halaman Saring tapak.",
    },
    "screen.source": {"en": "Where do the sites come from?", "ms": "Dari mana tapak-tapak ini?"},
    "screen.upload": {"en": "Upload a file", "ms": "Muat naik fail"},
    "screen.draw": {"en": "Draw on the map", "ms": "Lukis pada peta"},
    "screen.type": {"en": "Type coordinates", "ms": "Taip koordinat"},
    "screen.examples": {"en": "Example sites", "ms": "Contoh tapak"},
    "screen.upload_help": {
        "en": "GeoJSON, zipped Shapefile, GeoPackage, KML/KMZ, CSV or Excel with latitude/longitude or WKT columns, GeoParquet, FlatGeobuf.",
        "ms": "GeoJSON, Shapefile dalam zip, GeoPackage, KML/KMZ, CSV atau Excel dengan lajur latitud/longitud atau WKT, GeoParquet, FlatGeobuf.",
    },
    "screen.choose_layer": {"en": "The file holds several layers: which one are the sites?", "ms": "Fail mengandungi beberapa lapisan: yang mana satu tapak?"},
    "screen.run": {"en": "Screen these sites", "ms": "Saring tapak ini"},
    "screen.run_examples": {"en": "Screen the bundled example sites", "ms": "Saring contoh tapak yang disertakan"},
    "screen.examples_help": {
        "en": "Candidate processing sites offered by Kedah and Perak, and test sites beside reserves and the Lynas plant.",
        "ms": "Tapak pemprosesan cadangan yang ditawarkan oleh Kedah dan Perak, dan tapak ujian bersebelahan hutan simpan dan loji Lynas.",
    },
    "screen.coordinates": {"en": "One site per line: latitude, longitude, name", "ms": "Satu tapak setiap baris: latitud, longitud, nama"},
    "screen.draw_mode": {"en": "Shape", "ms": "Bentuk"},
    "screen.point": {"en": "Point", "ms": "Titik"},
    "screen.polygon": {"en": "Polygon", "ms": "Poligon"},
    "screen.draw_help": {
        "en": "Click the map: a point takes the last click, a polygon joins the clicks in order (at least 3).",
        "ms": "Klik peta: titik mengambil klik terakhir, poligon menyambung klik mengikut urutan (sekurang-kurangnya 3).",
    },
    "screen.draw_name": {"en": "Site name", "ms": "Nama tapak"},
    "screen.clear": {"en": "Clear clicks", "ms": "Kosongkan klik"},
    "screen.clicks": {"en": "{count} click(s) so far", "ms": "{count} klik setakat ini"},
    "screen.progress": {"en": "Screening {done} of {total} sites", "ms": "Menyaring {done} daripada {total} tapak"},
    "screen.notes": {"en": "Notes on the file", "ms": "Nota mengenai fail"},
    "screen.results": {"en": "Results", "ms": "Keputusan"},
    "screen.filter_verdict": {"en": "Verdict", "ms": "Keputusan"},
    "screen.filter_state": {"en": "State", "ms": "Negeri"},
    "screen.counts": {"en": "Sites by verdict and state", "ms": "Tapak mengikut keputusan dan negeri"},
    "screen.chart_sites": {"en": "Sites", "ms": "Tapak"},
    "screen.evidence": {"en": "Evidence for one site", "ms": "Bukti bagi satu tapak"},
    "screen.pick_site": {"en": "Site", "ms": "Tapak"},
    "screen.legal_basis": {"en": "Legal basis", "ms": "Asas undang-undang"},
    "screen.measured": {"en": "Measured", "ms": "Diukur"},
    "screen.permits": {"en": "Permitting bodies", "ms": "Badan pemberi permit"},
    "screen.no_sites": {"en": "No sites screened yet: choose a source above.", "ms": "Belum ada tapak disaring: pilih sumber di atas."},
    "screen.downloads": {"en": "Download results", "ms": "Muat turun keputusan"},
    "screen.shown": {"en": "{shown} of {total} shown", "ms": "{shown} daripada {total} dipaparkan"},
    "screen.downloads_all": {
        "en": "The downloads and reports hold all {total}, not only the {shown} the filters show.",
        "ms": "Muat turun dan laporan memuatkan kesemua {total}, bukan hanya {shown} yang dipaparkan oleh penapis.",
    },
    "screen.report": {"en": "Build the {fmt} report", "ms": "Sediakan laporan {fmt}"},
    "screen.report_download": {"en": "Download the {fmt} report", "ms": "Muat turun laporan {fmt}"},
    "rules.intro": {
        "en": "Each rule tests one layer. Change a buffer or a severity and every screened site is screened again.",
        "ms": "Setiap peraturan menguji satu lapisan. Ubah zon penampan atau tahap dan setiap tapak disaring semula.",
    },
    "rules.severity": {"en": "Severity", "ms": "Tahap"},
    "rules.distance": {"en": "Buffer (metres)", "ms": "Zon penampan (meter)"},
    "rules.layer": {"en": "Layer", "ms": "Lapisan"},
    "rules.relation": {"en": "Test", "ms": "Ujian"},
    "rules.download": {"en": "Download rules.toml", "ms": "Muat turun rules.toml"},
    "rules.upload": {"en": "Load a rules.toml", "ms": "Muatkan rules.toml"},
    "rules.reset": {"en": "Back to the bundled rules", "ms": "Kembali kepada peraturan asal"},
    "rules.edited": {"en": "The rules differ from the bundled ones.", "ms": "Peraturan berbeza daripada yang asal."},
    "origin.bundled": {"en": "bundled", "ms": "disertakan"},
    "origin.installed": {"en": "installed", "ms": "dipasang"},
    "origin.file": {"en": "uploaded for this session", "ms": "dimuat naik untuk sesi ini"},
    "rules.changes": {"en": "Verdicts that changed: {count}", "ms": "Keputusan yang berubah: {count}"},
    "rules.changes_findings": {
        "en": "Verdicts that changed: {count}. Sites with other findings, the same verdict: {findings}",
        "ms": "Keputusan yang berubah: {count}. Tapak dengan dapatan lain, keputusan yang sama: {findings}",
    },
    "sources.intro": {
        "en": "Where each layer comes from, how accurate it is and whether it is authoritative.",
        "ms": "Asal setiap lapisan, ketepatannya dan sama ada ia sah.",
    },
    "sources.authoritative": {
        "en": "To screen against authoritative boundaries (JPSM reserve maps, gazetted catchments), install them once with the command line; they then replace the approximate layers here:",
        "ms": "Untuk menyaring terhadap sempadan yang sah (peta hutan simpan JPSM, tadahan yang diwartakan), pasang sekali dengan baris arahan; ia kemudian menggantikan lapisan anggaran di sini:",
    },
    "sources.reload": {"en": "Reload layers", "ms": "Muat semula lapisan"},
    "sources.approximate": {"en": "approximate", "ms": "anggaran"},
    "sources.authoritative_yes": {"en": "authoritative", "ms": "sah"},
    "sources.features": {"en": "features", "ms": "ciri"},
    "sources.licence": {"en": "Licence", "ms": "Lesen"},
    "sources.date": {"en": "Date", "ms": "Tarikh"},
    "sources.upload_title": {"en": "Use your own layer for this session", "ms": "Guna lapisan anda sendiri untuk sesi ini"},
    "sources.upload_help": {
        "en": "Upload a boundary file (e.g. a JPSM reserve map); it replaces the chosen layer until you close the browser tab, and screened sites are screened again.",
        "ms": "Muat naik fail sempadan (cth. peta hutan simpan JPSM); ia menggantikan lapisan yang dipilih sehingga tab pelayar ditutup, dan tapak disaring semula.",
    },
    "sources.replace": {"en": "Layer to replace", "ms": "Lapisan untuk diganti"},
    "sources.is_authoritative": {"en": "This is an authoritative (gazetted) boundary", "ms": "Ini sempadan yang sah (diwartakan)"},
    "sources.drop": {"en": "Stop using the uploaded {layer}", "ms": "Berhenti guna {layer} yang dimuat naik"},
    "approximate.banner": {
        "en": "Approximate layers in use: {layers}. Their outlines are estimates, not gazetted boundaries; verdicts near them must be checked against authoritative maps.",
        "ms": "Lapisan anggaran digunakan: {layers}. Garis sempadannya ialah anggaran, bukan sempadan yang diwartakan; keputusan berhampirannya mesti disemak dengan peta yang sah.",
    },
    # Reports (reegeo.report.write): headings, labels and sentences.
    "report.title": {"en": "Site-eligibility report", "ms": "Laporan kelayakan tapak"},
    "report.subtitle": {
        "en": "Screening of candidate rare-earth refinery sites in Malaysia",
        "ms": "Saringan tapak calon kilang penapisan nadir bumi di Malaysia",
    },
    "report.generated": {"en": "Generated {time} by reegeo {version}", "ms": "Dijana {time} oleh reegeo {version}"},
    "report.disclaimer": {
        "en": "A planning aid, not legal advice: verdicts follow the rules and layers listed in this report. Confirm boundaries with the permitting authorities before any decision.",
        "ms": "Alat bantu perancangan, bukan nasihat undang-undang: keputusan mengikut peraturan dan lapisan yang disenaraikan dalam laporan ini. Sahkan sempadan dengan pihak berkuasa pemberi permit sebelum sebarang keputusan.",
    },
    "report.summary": {"en": "Summary", "ms": "Ringkasan"},
    "report.screened": {"en": "{count} screened.", "ms": "{count} disaring."},
    "report.by_verdict": {"en": "Sites by verdict", "ms": "Tapak mengikut keputusan"},
    "report.by_state": {"en": "Sites by state", "ms": "Tapak mengikut negeri"},
    "report.no_state": {"en": "(outside Malaysia)", "ms": "(di luar Malaysia)"},
    "report.national_map": {
        "en": "Sites by verdict over state outlines, forest reserves, national and state parks and water catchments (* approximate layer).",
        "ms": "Tapak mengikut keputusan di atas sempadan negeri, hutan simpan, taman negara dan negeri serta kawasan tadahan air (* lapisan anggaran).",
    },
    "report.col.verdict": {"en": "Verdict", "ms": "Keputusan"},
    "report.col.sites": {"en": "Sites", "ms": "Tapak"},
    "report.col.state": {"en": "State", "ms": "Negeri"},
    "report.col.total": {"en": "Total", "ms": "Jumlah"},
    "report.col.layer": {"en": "Layer", "ms": "Lapisan"},
    "report.col.source": {"en": "Source", "ms": "Sumber"},
    "report.col.licence": {"en": "Licence", "ms": "Lesen"},
    "report.col.date": {"en": "Date", "ms": "Tarikh"},
    "report.col.accuracy": {"en": "Accuracy", "ms": "Ketepatan"},
    "report.col.status": {"en": "Status", "ms": "Status"},
    "report.col.rule": {"en": "Rule", "ms": "Peraturan"},
    "report.col.severity": {"en": "Severity", "ms": "Tahap"},
    "report.col.test": {"en": "Test", "ms": "Ujian"},
    "report.col.item": {"en": "Input", "ms": "Input"},
    "report.col.file": {"en": "File", "ms": "Fail"},
    "report.col.sha256": {"en": "SHA-256", "ms": "SHA-256"},
    "report.col.site": {"en": "Site", "ms": "Tapak"},
    "report.col.findings": {"en": "Rules and flags that fired (advisories omitted)", "ms": "Peraturan dan bendera yang tercetus (nasihat tidak disenaraikan)"},
    "report.index": {"en": "Site index", "ms": "Indeks tapak"},
    "report.site": {"en": "Site {site_id}", "ms": "Tapak {site_id}"},
    "report.verdict_text.prohibited": {
        "en": "Prohibited: a refinery may not be sited here under the rules that fired below.",
        "ms": "Dilarang: kilang penapisan tidak boleh ditempatkan di sini di bawah peraturan yang tercetus di bawah.",
    },
    "report.verdict_text.review": {
        "en": "Needs review: check the findings below with the authorities before any decision.",
        "ms": "Perlu semakan: semak penemuan di bawah dengan pihak berkuasa sebelum sebarang keputusan.",
    },
    "report.verdict_text.eligible": {
        "en": "Eligible: no prohibiting or review rule fired; the advisories below still apply.",
        "ms": "Layak: tiada peraturan larangan atau semakan tercetus; nasihat di bawah masih terpakai.",
    },
    "report.state": {"en": "State", "ms": "Negeri"},
    "report.states_spanned": {"en": "States touched", "ms": "Negeri yang disentuh"},
    "report.coordinates": {"en": "Representative point (lat, lon)", "ms": "Titik wakil (lat, lon)"},
    "report.area": {"en": "Site area", "ms": "Keluasan tapak"},
    "report.point_site": {"en": "point site", "ms": "tapak titik"},
    "report.measured_in": {"en": "Measured in", "ms": "Diukur dalam"},
    "report.not_loaded": {"en": "n/a: layer not loaded", "ms": "t/a: lapisan tidak dimuatkan"},
    "report.findings": {"en": "Findings", "ms": "Penemuan"},
    "report.no_findings": {"en": "No rule fired.", "ms": "Tiada peraturan tercetus."},
    "report.legal_basis": {"en": "Legal basis", "ms": "Asas undang-undang"},
    "report.measured": {"en": "Measured", "ms": "Ukuran"},
    "report.approximate_layer": {"en": "relies on an approximate layer", "ms": "bergantung pada lapisan anggaran"},
    "report.permitting": {"en": "Permitting bodies", "ms": "Badan pemberi permit"},
    "report.no_bodies": {
        "en": "None: the site is outside Malaysia's states; check its coordinates.",
        "ms": "Tiada: tapak berada di luar negeri-negeri Malaysia; semak koordinatnya.",
    },
    "report.local_map": {
        "en": "Local map in {crs} (true scale); arrow to true north.",
        "ms": "Peta setempat dalam {crs} (skala benar); anak panah ke utara benar.",
    },
    "report.no_map": {"en": "No map: the site cannot be placed on the grid.", "ms": "Tiada peta: tapak tidak dapat diletakkan pada grid."},
    "report.legend.site": {"en": "site", "ms": "tapak"},
    "report.legend.buffer": {"en": "{distance} review buffer", "ms": "zon penampan semakan {distance}"},
    "report.legend.incomplete": {"en": "data incomplete: no site cleared", "ms": "data tidak lengkap: tiada tapak disahkan"},
    "report.north": {"en": "N", "ms": "U"},
    "report.provenance": {"en": "Data provenance", "ms": "Asal usul data"},
    "report.provenance.intro": {
        "en": "Every layer used in this report. Layers marked APPROXIMATE are estimates drawn from public descriptions, not gazetted boundaries.",
        "ms": "Setiap lapisan yang digunakan dalam laporan ini. Lapisan bertanda ANGGARAN ialah anggaran daripada keterangan awam, bukan sempadan yang diwartakan.",
    },
    "report.status.authoritative": {"en": "authoritative", "ms": "sah"},
    "report.status.approximate": {"en": "APPROXIMATE", "ms": "ANGGARAN"},
    "report.status.not_authoritative": {"en": "not authoritative", "ms": "tidak sah"},
    "report.col.coverage": {"en": "Complete in", "ms": "Lengkap di"},
    "report.coverage_none": {"en": "no state", "ms": "tiada negeri"},
    "report.coverage_all": {"en": "every state", "ms": "setiap negeri"},
    "report.rules": {"en": "Rules applied", "ms": "Peraturan yang digunakan"},
    "report.relation.intersects": {"en": "overlaps or touches {layer}", "ms": "bertindih atau bersentuhan dengan {layer}"},
    "report.relation.within_distance": {"en": "within {distance} of {layer}", "ms": "dalam lingkungan {distance} dari {layer}"},
    "report.relation.always": {"en": "every site", "ms": "setiap tapak"},
    "report.audit": {"en": "Audit stamp", "ms": "Cap audit"},
    "report.audit.intro": {
        "en": "SHA-256 of every input. A reviewer with the same files and the same reegeo version gets the same verdicts and hashes.",
        "ms": "SHA-256 bagi setiap input. Penyemak dengan fail yang sama dan versi reegeo yang sama akan mendapat keputusan dan cincangan yang sama.",
    },
    "report.audit.sites": {"en": "Sites file", "ms": "Fail tapak"},
    "report.audit.rules": {"en": "Rules file", "ms": "Fail peraturan"},
    "report.audit.layer": {"en": "Layer {name}", "ms": "Lapisan {name}"},
    "report.audit.part": {"en": "Layer {name}, part complete in {covers}", "ms": "Lapisan {name}, bahagian lengkap di {covers}"},
    "report.audit.version": {"en": "reegeo version", "ms": "Versi reegeo"},
    "report.audit.time": {"en": "Report time", "ms": "Masa laporan"},
    "report.page": {"en": "Page {page} of {pages}", "ms": "Halaman {page} daripada {pages}"},
    "report.approximate_footer": {
        "en": "Approximate layers in use: {layers}. Outlines are estimates; check authoritative maps.",
        "ms": "Lapisan anggaran digunakan: {layers}. Garis sempadan ialah anggaran; semak peta yang sah.",
    },
}


def check_language(lang: str) -> str:
    """Return ``lang`` when supported, else raise ``ValueError`` naming the choices."""
    if lang not in LANGUAGES:
        raise ValueError(f"language {lang!r} is not supported: use one of {', '.join(LANGUAGES)}")
    return lang


def t(key: str, lang: str = "en", **values: object) -> str:
    """The text for ``key`` in ``lang`` (English when a translation is missing), formatted with ``values``."""
    entry = TEXTS[key]
    text = entry.get(lang) or entry["en"]
    return text.format(**values) if values else text


def count_sites(n: int, lang: str = "en") -> str:
    """``1 site``, ``1,204 sites`` (``1 tapak``, ``1,204 tapak``): a number of sites in words, singular or plural."""
    return t("count.site" if n == 1 else "count.sites", lang, n=f"{n:,}")


def layer_label(name: str, lang: str = "en") -> str:
    """A layer's short name in words ("forest reserves", "hutan simpan"); the name itself for other layers."""
    key = f"layer.{name}"
    return t(key, lang) if key in TEXTS else name


_COLUMN_PATTERNS = (
    ("dist_", "_m", "column.dist"),
    ("nearest_", "", "column.nearest"),
    ("overlap_", "_m2", "column.overlap_m2"),
    ("overlap_", "_pct", "column.overlap_pct"),
)


def column_label(column: str, lang: str = "en") -> str:
    """A results column's heading in words, with its unit ("Distance to forest reserves (m)")."""
    key = f"column.{column}"
    if key in TEXTS:
        return t(key, lang)
    for prefix, suffix, text_key in _COLUMN_PATTERNS:
        if column.startswith(prefix) and column.endswith(suffix):
            layer = column[len(prefix) : len(column) - len(suffix)] if suffix else column[len(prefix) :]
            return t(text_key, lang, layer=layer_label(layer, lang))
    return column


def verdict_label(verdict: str, lang: str = "en") -> str:
    """``prohibited``/``review``/``eligible`` in words."""
    return t(f"verdict.{verdict}", lang)
