"""API tokens stored hashed (core.ApiToken), rate counters in the database, invitations to join an organisation.

The tokens of DRF's authtoken app were stored in clear: its table is dropped (the app is no longer installed),
so every old token stops working and users ask the token endpoint for a new one (docs/api.md).
"""

import django.db.models.deletion
import uuid
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0010_audit_legacy_events_in_the_chain'),
    ]

    operations = [
        migrations.AddField(
            model_name='membership',
            name='invited_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='membership',
            name='pending',
            field=models.BooleanField(default=False, verbose_name='waiting for the user to accept'),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='action',
            field=models.CharField(choices=[('view', 'viewed'), ('create', 'created'), ('update', 'changed'), ('delete', 'deleted'), ('export', 'exported'), ('download', 'downloaded'), ('login', 'logged in'), ('logout', 'logged out'), ('failed_login', 'failed login'), ('locked_out', 'locked out'), ('refer', 'referred'), ('consent_override', 'overrode consent'), ('two_factor', 'two-factor change'), ('search', 'searched')], max_length=20),
        ),
        migrations.CreateModel(
            name='ApiToken',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated')),
                ('uuid', models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ('key_hash', models.CharField(editable=False, max_length=64, unique=True)),
                ('prefix', models.CharField(editable=False, max_length=8, verbose_name='starts with')),
                ('fingerprint', models.CharField(editable=False, max_length=64)),
                ('two_factor', models.BooleanField(default=False, editable=False, verbose_name='issued with a second factor')),
                ('expires_at', models.DateTimeField(blank=True, editable=False, null=True, verbose_name='expires')),
                ('last_used_at', models.DateTimeField(blank=True, editable=False, null=True, verbose_name='last used')),
                ('created_ip', models.GenericIPAddressField(blank=True, editable=False, null=True, verbose_name='issued to address')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='api_tokens', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'API token',
                'ordering': ['-created_at', '-id'],
            },
        ),
        migrations.CreateModel(
            name='RateCounter',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('key', models.CharField(max_length=200)),
                ('window_start', models.DateTimeField()),
                ('count', models.PositiveIntegerField(default=0)),
            ],
            options={
                'indexes': [models.Index(fields=['window_start'], name='core_ratecounter_window')],
                'constraints': [models.UniqueConstraint(fields=('key', 'window_start'), name='core_ratecounter_unique')],
            },
        ),
        # DRF's authtoken table, if an earlier version created it: plain-text keys, gone.
        migrations.RunSQL("DROP TABLE IF EXISTS authtoken_token", migrations.RunSQL.noop),
    ]
