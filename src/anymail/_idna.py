"""Built-in IDNA encoders for non-ASCII domains, selected by the IDNA_ENCODER setting."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.module_loading import import_string

from .exceptions import (
    AnymailConfigurationError,
    AnymailImproperlyInstalled,
    AnymailInvalidAddress,
    AnymailInvalidMailer,
)

IdnaEncoder = Callable[[str], str]


def idna2008(domain: str) -> str:
    """IDNA 2008 with UTS #46 mapping (lower-casing etc.), as browsers do."""
    import idna

    return idna.encode(domain, uts46=True).decode("ascii")


def idna2003(domain: str) -> str:
    """Python's built-in IDNA 2003 codec."""
    return domain.encode("idna").decode("ascii")


def uts46(domain: str) -> str:
    """UTS #46 via the optional `uts46` package."""
    try:
        import uts46 as uts46_module
    except ImportError as err:
        raise AnymailImproperlyInstalled(
            missing_package="uts46", install_extra="uts46", feature="IDNA_ENCODER='uts46'"
        ) from err
    return str(uts46_module.encode(domain).decode("ascii"))


def none(domain: str) -> str:
    """Send non-ASCII domains unchanged (for ESPs that handle them)."""
    return domain


BUILTIN_ENCODERS: dict[str, IdnaEncoder] = {
    "idna2008": idna2008,
    "idna2003": idna2003,
    "uts46": uts46,
    "none": none,
}


class NamedEncoder:
    """An encoder resolved from a string setting; keeps that string for error messages."""

    def __init__(self, encode: IdnaEncoder, setting_name: str) -> None:
        self.encode = encode
        self.setting_name = setting_name

    def __call__(self, domain: str) -> str:
        return self.encode(domain)

    def __repr__(self) -> str:
        return f"NamedEncoder({self.setting_name!r})"


def resolve_idna_encoder(setting: Any, alias: str | None = None) -> IdnaEncoder:
    """Turn an IDNA_ENCODER setting (name, dotted path or callable) into a callable."""
    if callable(setting):
        return setting
    try:
        if isinstance(setting, str) and "." in setting:
            encoder = import_string(setting)
            if callable(encoder):
                return NamedEncoder(encoder, setting)
        elif isinstance(setting, str) and setting in BUILTIN_ENCODERS:
            return NamedEncoder(BUILTIN_ENCODERS[setting], setting)
    except ImportError:
        pass
    message = f"Cannot resolve IDNA_ENCODER={setting!r}"
    if alias is not None:
        raise AnymailInvalidMailer(message, alias=alias)
    raise AnymailConfigurationError(message)


def encoder_setting(encoder: IdnaEncoder) -> str:
    """What the user configured, for error messages: the setting string, else the callable's
    name."""
    return str(getattr(encoder, "setting_name", getattr(encoder, "__name__", repr(encoder))))


def encode_domain(encoder: IdnaEncoder, domain: str) -> str:
    """`domain` through the configured encoder; a failure is an invalid address naming the
    setting (a configuration error, such as uts46 not installed, stays one)."""
    try:
        return encoder(domain)
    except AnymailConfigurationError:
        raise
    except Exception as err:
        raise AnymailInvalidAddress(
            f"Cannot encode {domain!r} using IDNA_ENCODER={encoder_setting(encoder)!r}"
        ) from err
