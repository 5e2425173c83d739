from pathlib import Path

import pytest

from flows.settings import SettingsError, load_settings


def test_defaults_live_under_vigie_home(tmp_path):
    settings = load_settings({"VIGIE_HOME": str(tmp_path / "state")})
    assert settings.home == (tmp_path / "state").resolve()
    assert settings.database_url == f"sqlite:///{(tmp_path / 'state' / 'vigie.db').resolve()}"
    assert settings.outbox_dir == (tmp_path / "state" / "outbox").resolve()
    assert settings.email_backend == "file"
    assert settings.officer_emails == ()


def test_default_home_is_var_in_the_working_directory():
    assert load_settings({}).home == Path("./var").resolve()


def test_officer_emails_accept_semicolons_and_commas(tmp_path):
    settings = load_settings({"VIGIE_HOME": str(tmp_path), "VIGIE_OFFICER_EMAILS": "a@x.bj; b@y.bj,c@z.bj"})
    assert settings.officer_emails == ("a@x.bj", "b@y.bj", "c@z.bj")


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"VIGIE_EMAIL_BACKEND": "smtp"}, "VIGIE_EMAIL_BACKEND"),
        ({"VIGIE_OFFICER_EMAILS": "nobody"}, "VIGIE_OFFICER_EMAILS"),
    ],
)
def test_bad_values_name_the_variable(env, variable):
    with pytest.raises(SettingsError, match=variable):
        load_settings(env)


def test_api_key_is_never_in_the_repr():
    settings = load_settings({"SENDGRID_API_KEY": "SG.secret-value"})
    assert settings.sendgrid_api_key == "SG.secret-value"
    assert "secret-value" not in repr(settings)
