import datetime as dt

from django.db import migrations

# The Potsdamer Erklärung was published on 3 June 2019 and updated on 17 February 2021
# (Landeshauptstadt Potsdam, staedte-sicherer-haefen.de). New members sign the 2021 version.
DECLARATIONS = [
    ("2019", "Potsdamer Erklärung (2019)", dt.date(2019, 6, 3)),
    ("2021", "Potsdamer Erklärung (2021)", dt.date(2021, 2, 17)),
]


def create(apps, schema_editor):
    Declaration = apps.get_model("members", "Declaration")
    for version, title, published_on in DECLARATIONS:
        Declaration.objects.update_or_create(
            version=version, defaults={"title": title, "published_on": published_on}
        )


class Migration(migrations.Migration):
    dependencies = [("members", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
