# The donor report's written sections, one row per version (issue 15 item 5).

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0018_household_poverty_not_assessed'),
        ('monitoring', '0002_period_targets'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Narrative',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('period', models.CharField(blank=True, max_length=7, verbose_name='period')),
                ('section', models.CharField(choices=[('summary', 'Summary'), ('achievements', 'Achievements'), ('challenges', 'Challenges'), ('lessons', 'Lessons learned'), ('next_steps', 'Next steps')], max_length=20, verbose_name='section')),
                ('version', models.PositiveIntegerField(verbose_name='version')),
                ('text', models.TextField(blank=True, max_length=8000, verbose_name='text')),
                ('written_at', models.DateTimeField(auto_now_add=True)),
                ('programme', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='core.programme', verbose_name='programme')),
                ('written_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'report narrative',
                'ordering': ['programme', 'period', 'section', '-version'],
                'constraints': [models.UniqueConstraint(fields=('programme', 'period', 'section', 'version'), name='monitoring_narrative_version_once'), models.CheckConstraint(condition=models.Q(('version__gte', 1)), name='monitoring_narrative_version_from_one')],
            },
        ),
    ]
