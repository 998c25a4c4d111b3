"""numpy, imported on its first use rather than with autograd_lite.

``import numpy`` takes longer than importing the rest of the package, and scalar code (build a
few Values, call ``backward()``) never needs it. Modules that use numpy only inside functions
write::

    if TYPE_CHECKING:
        import numpy as np
    else:
        from .lazy_numpy import np

and every ``np.<name>`` then imports numpy on the first call that reaches it.
"""

from __future__ import annotations

from typing import Any

__all__ = ["np"]


class _LazyNumpy:
    """Looks each attribute up on the numpy module, importing it the first time."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        import numpy

        return getattr(numpy, name)

    def __repr__(self) -> str:
        return "<numpy, imported on first use>"


np: Any = _LazyNumpy()
