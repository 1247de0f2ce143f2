from notify.channels import SendFailed, SmsGateway

SENT: list[tuple[str, str]] = []


class RecordingGateway(SmsGateway):
    fail = False

    def send(self, phone, text):
        if RecordingGateway.fail:
            raise SendFailed("gateway said no")
        SENT.append((phone, text))
