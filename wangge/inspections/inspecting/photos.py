"""Photos of failed items: checked with Pillow, re-encoded (which drops EXIF and any other
metadata, location included), kept in private storage, served only through a scoped view."""

from __future__ import annotations

import io
import uuid

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from wangge.audit import services as audit
from wangge.audit.models import Action
from wangge.core.access import Actor, require, user_or_none
from wangge.inspections.models import Answer, Photo
from wangge.inspections.permissions import INSPECTIONS_INSPECT

MAX_BYTES = 5 * 1024 * 1024
MAX_SIDE = 1600
MAX_PIXELS = 40_000_000


def clean_image(data: bytes) -> tuple[bytes, int, int]:
    """The image re-encoded as a JPEG without metadata, or a clear refusal."""
    if len(data) > MAX_BYTES:
        raise ValidationError(
            _("The photo is too large (%(mb)s MB at most).") % {"mb": MAX_BYTES // (1024 * 1024)}
        )
    if not data:
        raise ValidationError(_("The file is empty."))
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in ("JPEG", "PNG", "WEBP", "GIF", "HEIF", "MPO"):
                raise ValidationError(_("This file is not a photo (JPEG, PNG or WebP)."))
            if probe.width * probe.height > MAX_PIXELS:
                raise ValidationError(_("The photo is too large."))
            probe.verify()
        with Image.open(io.BytesIO(data)) as img:
            img = ImageOps.exif_transpose(img)
            img = img.convert("RGB")
            img.thumbnail((MAX_SIDE, MAX_SIDE))
            out = io.BytesIO()
            img.save(out, "JPEG", quality=82)  # no exif= : nothing of the original's metadata
            return out.getvalue(), img.width, img.height
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError) as exc:
        raise ValidationError(_("This file is not a photo (JPEG, PNG or WebP).")) from exc


@transaction.atomic
def add_photo(*, actor: Actor, answer: Answer, client_id: uuid.UUID, data: bytes) -> tuple[Photo, bool]:
    """Store a photo for an answer; a replay (same client id) answers the stored one, unchanged."""
    require(actor, INSPECTIONS_INSPECT)
    existing = Photo.objects.filter(client_id=client_id).first()
    if existing is not None:
        if existing.answer_id != answer.pk:
            raise ValidationError(_("This photo belongs to another item."))
        return existing, False
    clean, width, height = clean_image(data)
    photo = Photo(client_id=client_id, answer=answer, width=width, height=height, size=len(clean))
    photo.uploaded_by = user_or_none(actor)
    photo.file.save(f"{client_id}.jpg", ContentFile(clean), save=False)
    photo.save()
    audit.record(
        actor=actor, action=Action.CREATE, obj=photo, path=answer.inspection.path,
        after={"answer": answer.pk, "bytes": len(clean)},
    )  # fmt: skip
    return photo, True
