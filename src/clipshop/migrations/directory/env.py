from clipshop.migrations.env_common import run

run()
