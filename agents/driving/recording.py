"""The recording session's public names, from where they live since the split:
agents.driving.recording_log (layout, LogRow), recording_writer (the crash-safe Recorder),
recording_reader (the tolerant reader). Import from those; this keeps older imports working."""

from agents.driving.recording_log import (  # noqa: F401
    COLUMNS,
    FLOAT_COLUMNS,
    FORMAT_VERSION,
    FRAMES_DIR,
    LEGACY_COLUMNS,
    LOG_NAME,
    META_NAME,
    REQUIRED_COLUMNS,
    SOURCES,
    LogRow,
)
from agents.driving.recording_reader import (  # noqa: F401
    HIST_EDGES,
    Session,
    SessionMeta,
    SessionSummary,
    check_png_header,
    list_sessions,
    load_session,
    parse_meta,
    summarize_session,
)
from agents.driving.recording_writer import (  # noqa: F401
    FLUSH_EVERY_S,
    PNG_COMPRESS_LEVEL,
    Recorder,
    app_version,
    new_session_dir,
)
