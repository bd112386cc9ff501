# The figures kept between requests, so a dashboard at scale reads them instead of counting again (issue 15, Scale).

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('monitoring', '0003_report_narrative'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Summary',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('key', models.CharField(max_length=64, unique=True)),
                ('indicator', models.SlugField(max_length=60)),
                ('scope', models.JSONField()),
                ('dimensions', models.JSONField(default=list)),
                ('total', models.BigIntegerField(default=0)),
                ('counts', models.JSONField(default=dict)),
                ('value', models.DecimalField(blank=True, decimal_places=6, max_digits=20, null=True)),
                ('computed_at', models.DateTimeField()),
                ('refresh_asked_at', models.DateTimeField(blank=True, null=True)),
                ('viewer', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'figure kept',
            },
        ),
    ]
