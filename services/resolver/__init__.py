"""The resolver: who is the target in a recording, and what is the evidence?

Pure domain logic; the gRPC servicer translates to and from these values.

    resolve(segments, speakers, TargetSpec(strategy="magic_hint", hint="the CFO"))
    -> Resolution(entity_id="SPEAKER_01", strategy="magic_hint", fell_back=False,
                  confidence=0.9, reason="matched hint 'the CFO' to SPEAKER_01's ...",
                  evidence=(Segment(...), ...))
"""

from services.domain.segments import UNKNOWN_SPEAKER, Segment, is_unknown

from .errors import InvalidTarget, ResolverError, TargetNotFound
from .evidence import select_evidence
from .model import ON_MISS, STRATEGIES, Resolution, Speaker, TargetSpec
from .resolve import resolve
from .talk import speaker_stats

__all__ = [
    "ON_MISS",
    "STRATEGIES",
    "UNKNOWN_SPEAKER",
    "InvalidTarget",
    "Resolution",
    "ResolverError",
    "Segment",
    "Speaker",
    "TargetNotFound",
    "TargetSpec",
    "is_unknown",
    "resolve",
    "select_evidence",
    "speaker_stats",
]
