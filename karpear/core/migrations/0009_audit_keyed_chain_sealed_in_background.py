"""The keyed audit chain (core.audit): a MAC per event, and its place in the chain filled in by the sealer.

Indexes on the audit log, a big table, are built concurrently outside a transaction (docs/development.md).
"""

from django.db import migrations, models

from karpear.core.migration_operations import AddIndexConcurrently


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ('core', '0008_referrals_and_module_roles'),
    ]

    operations = [
        migrations.AddField(
            model_name='auditchainhead',
            name='last_seq',
            field=models.BigIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='auditchainhead',
            name='sealed_at',
            field=models.DateTimeField(null=True),
        ),
        migrations.AddField(
            model_name='auditevent',
            name='key_id',
            field=models.CharField(blank=True, max_length=8),
        ),
        migrations.AddField(
            model_name='auditevent',
            name='mac',
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name='auditevent',
            name='refused_at',
            field=models.DateTimeField(null=True),
        ),
        migrations.AddField(
            model_name='auditevent',
            name='scheme',
            field=models.PositiveSmallIntegerField(default=2),
        ),
        migrations.AddField(
            model_name='auditevent',
            name='seq',
            field=models.BigIntegerField(null=True),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='hash',
            field=models.CharField(max_length=64, null=True, unique=True),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='prev_hash',
            field=models.CharField(max_length=64, null=True),
        ),
        AddIndexConcurrently(
            model_name='auditevent',
            index=models.Index(fields=['seq'], name='core_audit_seq'),
        ),
        AddIndexConcurrently(
            model_name='auditevent',
            index=models.Index(condition=models.Q(('refused_at__isnull', True), ('seq__isnull', True)), fields=['id'], name='core_audit_unsealed'),
        ),
    ]
