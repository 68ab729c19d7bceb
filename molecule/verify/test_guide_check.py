"""The guide's own final check: as test, `mail` a message to hello and find it in ~hello/Maildir/new."""

from postdove.testing.mail import unique_subject, wait_for_mail


def test_guide_mail_arrives_in_maildir_new(server):
    before = set(server.run("ls /home/hello/Maildir/new 2>/dev/null").stdout.split())
    subject = unique_subject("guide")
    sent = server.run(f"runuser -u test -- sh -c 'echo \"postfix test\" | mail -s {subject} hello@hello.com'")
    assert sent.rc == 0, sent.stderr

    files = wait_for_mail(server, "hello", subject)
    assert len(files) == 1, f"want one message with {subject}, got {files}"
    assert files[0].startswith("/home/hello/Maildir/new/")
    assert len(set(server.run("ls /home/hello/Maildir/new").stdout.split()) - before) == 1

    message = server.file(files[0]).content_string
    headers = message.split("\n\n", 1)[0]
    assert "Return-Path: <test@hello.com>" in headers
    assert "Delivered-To: hello@hello.com" in headers
    assert "Received: " in headers
    assert "postfix test" in message
