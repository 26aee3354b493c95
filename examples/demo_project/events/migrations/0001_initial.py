from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies: list[tuple[str, str]] = []

    operations = [
        migrations.CreateModel(
            name="ReceivedEvent",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ("event_type", models.CharField(max_length=40)),
                ("recipient", models.CharField(blank=True, max_length=320)),
                ("message_id", models.CharField(blank=True, max_length=200)),
                ("event_id", models.CharField(blank=True, max_length=200, null=True, unique=True)),
                ("summary", models.TextField(blank=True)),
                ("received_at", models.DateTimeField(auto_now_add=True)),
            ],
            options={"ordering": ["id"]},
        ),
    ]
