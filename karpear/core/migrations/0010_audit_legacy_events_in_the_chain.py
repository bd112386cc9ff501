"""Events written before the keyed chain keep their unkeyed SHA-256 chain (scheme 1): give each its place
(seq = id, the order they were chained in) so the keyed chain continues after them.

In batches, each in its own short transaction, outside one long transaction (docs: writing a migration).
"""

from django.db import migrations, transaction
from django.db.models import F, Max

BATCH = 10_000


def forwards(apps, schema_editor):
    AuditEvent = apps.get_model("core", "AuditEvent")
    AuditChainHead = apps.get_model("core", "AuditChainHead")
    db = schema_editor.connection.alias
    legacy = AuditEvent.objects.using(db).filter(seq__isnull=True, mac="")
    while True:
        with transaction.atomic(using=db):
            ids = list(legacy.order_by("id").values_list("id", flat=True)[:BATCH])
            if not ids:
                break
            AuditEvent.objects.using(db).filter(id__in=ids).update(seq=F("id"), scheme=1)
    last = AuditEvent.objects.using(db).filter(scheme=1).aggregate(last=Max("seq"))["last"]
    if last is not None:
        AuditChainHead.objects.using(db).filter(id=1).update(last_seq=last)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("core", "0009_audit_keyed_chain_sealed_in_background")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
