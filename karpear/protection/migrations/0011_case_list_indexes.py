"""The indexes the case list, its search and the work lists need at 1M cases (bench/protection.py), and the arrival
date monitoring counts by. Built concurrently outside a transaction: the cases table is big and stays writable.
"""

from django.conf import settings
from django.db import migrations, models

from karpear.core.migration_operations import AddIndexConcurrently


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ('core', '0018_household_poverty_not_assessed'),
        ('protection', '0010_victim_context'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        AddIndexConcurrently(
            model_name='protectioncase',
            index=models.Index(fields=['assigned_to', '-created_at', '-id'], name='protection_case_mine_recent'),
        ),
        AddIndexConcurrently(
            model_name='protectioncase',
            index=models.Index(condition=models.Q(('next_follow_up_on__isnull', False), ('status__in', ['active', 'follow_up'])), fields=['assigned_to', 'next_follow_up_on'], name='protection_case_mine_due'),
        ),
        AddIndexConcurrently(
            model_name='protectioncase',
            index=models.Index(condition=models.Q(('identification', 'not_screened'), ('status__in', ['active', 'follow_up'])), fields=['assigned_to', '-created_at', '-id'], name='protection_case_unscreened'),
        ),
        AddIndexConcurrently(
            model_name='protectioncase',
            index=models.Index(fields=['organisation', 'number'], name='protection_case_org_number', opclasses=['int8_ops', 'varchar_pattern_ops']),
        ),
        AddIndexConcurrently(
            model_name='protectioncase',
            index=models.Index(fields=['organisation', 'arrived_on'], name='protection_case_org_arrived'),
        ),
    ]
